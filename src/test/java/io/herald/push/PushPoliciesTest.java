package io.herald.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.config.ConfigException;
import io.herald.config.ConfigLoader;
import io.herald.config.HeraldConfig;
import io.herald.push.webpush.VapidKeys;
import io.herald.push.webpush.WebPushProvider;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("push policies: endpoint allowlist, retry schedule, VAPID keys, payload size, config")
class PushPoliciesTest {
  static final List<String> DEFAULTS = List.of("https://fcm.googleapis.com", "https://updates.push.services.mozilla.com",
      "https://*.notify.windows.com", "https://web.push.apple.com");

  @Test
  @DisplayName("the default allowlist takes the major browsers' push services and nothing that only looks like them")
  void allowlist() {
    OriginAllowlist list = new OriginAllowlist(DEFAULTS);
    assertThat(list.allows("https://fcm.googleapis.com/fcm/send/abc:APA91b")).isTrue();
    assertThat(list.allows("https://FCM.googleapis.com:443/fcm/send/x")).isTrue();
    assertThat(list.allows("https://updates.push.services.mozilla.com/wpush/v2/gAAAA")).isTrue();
    assertThat(list.allows("https://wns2-by3p.notify.windows.com/w/?token=BQYAAA")).isTrue();
    assertThat(list.allows("https://a.b.notify.windows.com/w/")).isTrue();
    assertThat(list.allows("https://web.push.apple.com/QGuQyavXutnMH")).isTrue();

    assertThat(list.allows("https://notify.windows.com/w/")).isFalse(); // the wildcard needs a subdomain
    assertThat(list.allows("https://notify.windows.com.evil.example/w/")).isFalse();
    assertThat(list.allows("https://evilnotify.windows.com/w/")).isFalse();
    assertThat(list.allows("http://fcm.googleapis.com/fcm/send/x")).isFalse(); // scheme
    assertThat(list.allows("https://fcm.googleapis.com:8443/fcm/send/x")).isFalse(); // port
    assertThat(list.allows("https://user@fcm.googleapis.com/fcm/send/x")).isFalse();
    assertThat(list.allows("https://fcm.googleapis.com.evil.example/x")).isFalse();
    assertThat(list.allows("https://169.254.169.254/latest/meta-data")).isFalse();
    assertThat(list.allows("ftp://fcm.googleapis.com/x")).isFalse();
    assertThat(list.allows("fcm.googleapis.com/x")).isFalse();
    assertThat(new OriginAllowlist(List.of()).allows("https://fcm.googleapis.com/x")).isFalse();
    assertThat(new OriginAllowlist(List.of("http://127.0.0.1:9000")).allows("http://127.0.0.1:9000/push/1")).isTrue();
    OriginAllowlist bare = new OriginAllowlist(List.of("push.example.com", "*.push.example.net:8443"));
    assertThat(bare.allows("https://push.example.com/x")).isTrue();
    assertThat(bare.allows("http://push.example.com/x")).isFalse();
    assertThat(bare.allows("https://eu.push.example.net:8443/x")).isTrue();

    assertThat(OriginAllowlist.origin("https://fcm.googleapis.com:443/fcm/send/x")).isEqualTo("https://fcm.googleapis.com");
    assertThat(OriginAllowlist.origin("http://127.0.0.1:9000/push/1")).isEqualTo("http://127.0.0.1:9000");
  }

  @Test
  @DisplayName("retries back off exponentially with jitter, honour Retry-After, and stop at max attempts or the window")
  void retrySchedule() {
    RetryPolicy low = new RetryPolicy(5, 1000, 3_600_000, () -> 0.0);
    RetryPolicy high = new RetryPolicy(5, 1000, 3_600_000, () -> 0.999_999);
    assertThat(low.nextDelay(1, 0, -1)).isEqualTo(500);
    assertThat(high.nextDelay(1, 0, -1)).isEqualTo(999);
    assertThat(low.nextDelay(2, 0, -1)).isEqualTo(1000);
    assertThat(high.nextDelay(4, 0, -1)).isEqualTo(7999);
    assertThat(low.nextDelay(5, 0, -1)).isEqualTo(-1); // the fifth attempt was the last
    assertThat(low.nextDelay(1, 0, 30_000)).isEqualTo(30_000); // Retry-After wins when longer
    assertThat(low.nextDelay(1, 3_599_000, 5_000)).isEqualTo(-1); // past the window
    assertThat(low.nextDelay(1, 3_599_000, -1)).isEqualTo(500);

    assertThat(RetryPolicy.retryAfterMs("120", 0)).isEqualTo(120_000);
    assertThat(RetryPolicy.retryAfterMs("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470000L)).isEqualTo(10_000);
    assertThat(RetryPolicy.retryAfterMs(null, 0)).isEqualTo(-1);
    assertThat(RetryPolicy.retryAfterMs("soon", 0)).isEqualTo(-1);
  }

  @Test
  @DisplayName("a generated VAPID pair parses; halves of two different pairs are refused")
  void vapidKeys() throws Exception {
    String[] a = VapidKeys.generate();
    String[] b = VapidKeys.generate();
    assertThat(VapidKeys.parse(a[0], a[1]).publicKeyBase64Url()).isEqualTo(a[0]);
    assertThatThrownBy(() -> VapidKeys.parse(a[0], b[1])).isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("not the public half");
    String auth = VapidKeys.parse(a[0], a[1]).authorization("https://fcm.googleapis.com", "mailto:x@y.z", 1);
    assertThat(auth).startsWith("vapid t=").endsWith(", k=" + a[0]);
  }

  @Test
  @DisplayName("a Web Push payload always fits one 4 kB record: data goes first, then the message is shortened")
  void payloadFits() {
    JsonObject small = new JsonObject().put("id", 7).put("type", "info").put("title", "t").put("message", "m")
        .put("data", new JsonObject().put("k", "v")).put("userId", "u").put("read", false);
    assertThat(new JsonObject(new String(WebPushProvider.payload(small), StandardCharsets.UTF_8))).isEqualTo(
        new JsonObject().put("id", 7).put("type", "info").put("title", "t").put("message", "m").put("data", new JsonObject().put("k", "v")));

    JsonObject big = small.copy().put("data", new JsonObject().put("blob", "x".repeat(5000))).put("message", "é".repeat(4000));
    byte[] bytes = WebPushProvider.payload(big);
    assertThat(bytes.length).isLessThanOrEqualTo(4096 - 103);
    JsonObject fitted = new JsonObject(new String(bytes, StandardCharsets.UTF_8));
    assertThat(fitted.getLong("id")).isEqualTo(7);
    assertThat(fitted.containsKey("data")).isFalse();
    assertThat(fitted.getBoolean("truncated")).isTrue();
    assertThat(fitted.getString("message")).isNotEmpty();
  }

  @Test
  @DisplayName("bad push settings stop start-up naming the key and its environment variable")
  void configValidation() throws Exception {
    String[] pair = VapidKeys.generate();
    assertThatThrownBy(() -> config(Map.of("vapid.public-key", pair[0])))
        .isInstanceOf(ConfigException.class).hasMessageContaining("HERALD_VAPID_PRIVATE_KEY");
    assertThatThrownBy(() -> config(Map.of("vapid.public-key", "AAAA", "vapid.private-key", pair[1])))
        .isInstanceOf(ConfigException.class).hasMessageContaining("HERALD_VAPID_PUBLIC_KEY").hasMessageContaining("65-byte");
    assertThatThrownBy(() -> config(Map.of("vapid.subject", "ops@example.com")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("HERALD_VAPID_SUBJECT");
    assertThatThrownBy(() -> config(Map.of("webpush.allowed-origins", List.of("https://*.com/path"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("HERALD_WEBPUSH_ALLOWED_ORIGINS");
    assertThatThrownBy(() -> config(Map.of("fcm.endpoint", "fcm.googleapis.com")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("HERALD_FCM_ENDPOINT");

    HeraldConfig ok = config(Map.of("vapid.public-key", pair[0], "vapid.private-key", pair[1]));
    assertThat(ok.webPushAllowedOrigins).isEqualTo(DEFAULTS);
    assertThat(ok.describe().get("vapid.private-key")).isEqualTo("***");
    HeraldConfig fromEnv = ConfigLoader.load(Map.of("HERALD_WEBPUSH_ALLOWED_ORIGINS", "https://push.example.com,http://127.0.0.1:9",
        "HERALD_FCM_CREDENTIALS", "/etc/herald/fcm.json", "HERALD_JWT_SECRET", "x".repeat(32)), Path.of("target/no-config-here"), Map.of());
    assertThat(fromEnv.webPushAllowedOrigins).containsExactly("https://push.example.com", "http://127.0.0.1:9");
    assertThat(fromEnv.fcmCredentials).isEqualTo("/etc/herald/fcm.json");
  }

  private static HeraldConfig config(Map<String, Object> overrides) {
    Map<String, Object> o = new HashMap<>(overrides);
    o.put("jwt.secret", "x".repeat(32));
    return ConfigLoader.load(Map.of(), Path.of("target/no-config-here"), o);
  }
}

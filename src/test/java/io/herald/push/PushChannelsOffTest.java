package io.herald.push;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.cluster.Addresses;
import io.herald.test.Await;
import io.herald.test.Http;
import io.herald.test.Http.Response;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("push channels without configuration")
class PushChannelsOffTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode node;
  static int port;

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of());
    port = node.httpPort();
  }

  @Test
  @DisplayName("with no FCM credentials or VAPID keys both channels are off, registrations still work and notifications are stored")
  void channelsOff() {
    JsonObject stats = stats();
    assertThat(stats.getJsonObject("channels")).isEqualTo(new JsonObject().put("fcm", false).put("webpush", false));

    String user = Tokens.user("off-user");
    assertThat(Http.post(port, "/notifications/device-token", user, new JsonObject().put("token", "off-token")).status())
        .isEqualTo(200);
    JsonObject subscription = new JsonObject()
        .put("endpoint", "https://fcm.googleapis.com/fcm/send/abc:def")
        .put("keys", new JsonObject()
            .put("p256dh", "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM")
            .put("auth", "tBHItJI5svbpez7KI4CCXg"));
    assertThat(Http.post(port, "/notifications/webpush-subscription", user, subscription).status()).isEqualTo(200);
    Response key = Http.get(port, "/notifications/vapid-public-key", null);
    assertThat(key.status()).isEqualTo(404);
    assertThat(key.json().getJsonObject("error").getString("message")).contains("not configured");

    long before = counter("skipped.channel-off.fcm");
    Response sent = Http.post(port, "/api/notifications", Tokens.service(),
        new JsonObject().put("userId", "off-user").put("title", "t").put("message", "m"));
    assertThat(sent.status()).isEqualTo(202);
    long deadline = System.currentTimeMillis() + 10_000;
    while (counter("skipped.channel-off.fcm") <= before && System.currentTimeMillis() < deadline) {
      Await.result(TestSocket.vertx().timer(20));
    }
    assertThat(counter("skipped.channel-off.fcm")).isEqualTo(before + 1);
    assertThat(counter("skipped.channel-off.webpush")).isEqualTo(1);
    assertThat(Http.get(port, "/api/notifications", user).json().getJsonArray("items")).hasSize(1);
  }

  private static JsonObject stats() {
    return Await.result(node.vertx().eventBus().<JsonObject>request(Addresses.PUSH_STATS, new JsonObject()).map(Message::body));
  }

  private static long counter(String name) {
    return stats().getJsonObject("counters").getLong(name, 0L);
  }
}

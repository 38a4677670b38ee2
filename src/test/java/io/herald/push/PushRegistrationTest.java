package io.herald.push;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.push.FakePushServices.BrowserSubscription;
import io.herald.test.Http;
import io.herald.test.Http.Response;
import io.herald.test.TestNodes;
import io.herald.test.Tokens;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("push registrations")
class PushRegistrationTest {
  static final int MAX_DEVICES = 4;
  static FakePushServices fakes;
  static TestNodes nodes;
  static io.herald.HeraldNode node;
  static int port;
  static PushDb db;

  @BeforeAll
  static void start() throws Exception {
    fakes = new FakePushServices();
    nodes = new TestNodes();
    Map<String, Object> config = new HashMap<>(fakes.nodeConfig());
    config.put("push.max-devices-per-user", MAX_DEVICES);
    config.put("push.max-pending-retries", 0); // see retriesAreBounded
    node = nodes.start(config);
    port = node.httpPort();
    db = new PushDb(nodes.pgUrl());
  }

  @AfterAll
  static void stop() throws Exception {
    nodes.close();
    fakes.close();
  }

  @Test
  @DisplayName("a user removes only their own registrations; a token registered again moves to the new caller")
  void registrationsAreIsolated() throws Exception {
    String alice = Tokens.user("iso-alice");
    String bob = Tokens.user("iso-bob");
    BrowserSubscription browser = fakes.subscribe("sub-iso");
    assertThat(post("/notifications/webpush-subscription", alice, browser.toJson()).status()).isEqualTo(200);
    assertThat(post("/notifications/device-token", alice, new JsonObject().put("token", "iso-a1").put("platform", "android")).status())
        .isEqualTo(200);
    assertThat(post("/api/notifications/device-token", alice, new JsonObject().put("token", "iso-a2")).status()).isEqualTo(200);

    Response notBobs = delete("/notifications/webpush-subscription", bob, new JsonObject().put("endpoint", browser.endpoint()));
    assertThat(notBobs.status()).isEqualTo(404);
    assertThat(notBobs.json().getJsonObject("error").getString("code")).isEqualTo("NOT_FOUND");
    Response bobsTokenDelete = delete("/notifications/device-token", bob, new JsonObject().put("token", "iso-a1"));
    assertThat(bobsTokenDelete.status()).isEqualTo(200);
    assertThat(bobsTokenDelete.json().getString("message")).isEqualTo("Device token unregistered successfully");
    assertThat(delete("/notifications/device-token", bob, null).status()).isEqualTo(200); // bob's all: none
    assertThat(db.addresses("iso-alice")).containsExactlyInAnyOrder(browser.endpoint(), "iso-a1", "iso-a2");

    // The same device token registered by bob now belongs to bob.
    assertThat(post("/notifications/device-token", bob, new JsonObject().put("token", "iso-a2")).status()).isEqualTo(200);
    assertThat(db.owner("fcm", "iso-a2")).isEqualTo("iso-bob");

    // Without a body: all of alice's FCM tokens, her browser subscription stays.
    Response all = delete("/api/notifications/device-token", alice, null);
    assertThat(all.status()).isEqualTo(200);
    assertThat(db.addresses("iso-alice")).containsExactly(browser.endpoint());
    assertThat(db.owner("fcm", "iso-a2")).isEqualTo("iso-bob");

    Response removed = delete("/notifications/webpush-subscription", alice, new JsonObject().put("endpoint", browser.endpoint()));
    assertThat(removed.status()).isEqualTo(200);
    assertThat(removed.json().getString("message")).isEqualTo("Subscription removed");
    assertThat(delete("/notifications/webpush-subscription", alice, new JsonObject().put("endpoint", browser.endpoint())).status())
        .isEqualTo(404);
    assertThat(db.addresses("iso-alice")).isEmpty();
  }

  @Test
  @DisplayName("a user keeps at most push.max-devices-per-user devices, FCM and Web Push together; the oldest goes")
  void oldestDeviceIsDropped() throws Exception {
    String user = Tokens.user("cap-user");
    BrowserSubscription oldest = fakes.subscribe("sub-cap");
    assertThat(post("/notifications/webpush-subscription", user, oldest.toJson()).status()).isEqualTo(200);
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < MAX_DEVICES; i++) {
      tokens.add("cap-" + i);
      assertThat(post("/notifications/device-token", user, new JsonObject().put("token", "cap-" + i)).status()).isEqualTo(200);
    }
    assertThat(db.addresses("cap-user")).containsExactlyElementsOf(tokens);
    // Registering an existing token again refreshes it: cap-0 becomes the newest, cap-1 the oldest.
    assertThat(post("/notifications/device-token", user, new JsonObject().put("token", "cap-0")).status()).isEqualTo(200);
    assertThat(post("/notifications/device-token", user, new JsonObject().put("token", "cap-new")).status()).isEqualTo(200);
    assertThat(db.addresses("cap-user")).containsExactly("cap-2", "cap-3", "cap-0", "cap-new");
  }

  @Test
  @DisplayName("an endpoint off the allowlist, bad keys, or a bad token is refused with 400; no token is 401")
  void refusesBadRegistrations() throws Exception {
    String user = Tokens.user("bad-user");
    JsonObject good = fakes.subscribe("sub-bad").toJson();
    for (String endpoint : List.of("https://evil.example.com/push/1", "http://127.0.0.1:1/push/1",
        "https://127.0.0.1:" + fakes.origin().substring(fakes.origin().lastIndexOf(':') + 1) + "/push/1",
        "http://user@" + fakes.origin().substring("http://".length()) + "/push/1", "not a url", "file:///etc/passwd")) {
      Response r = post("/notifications/webpush-subscription", user, good.copy().put("endpoint", endpoint));
      assertThat(r.status()).as(endpoint).isEqualTo(400);
      assertThat(r.json().getJsonObject("error").getString("code")).isEqualTo("BAD_REQUEST");
    }
    Response offList = post("/notifications/webpush-subscription", user, good.copy().put("endpoint", "https://evil.example.com/x"));
    assertThat(offList.json().getJsonObject("error").getString("message")).contains("endpoint");

    JsonObject badKey = good.copy().put("keys", good.getJsonObject("keys").copy().put("p256dh", "AAAA"));
    assertThat(post("/notifications/webpush-subscription", user, badKey).status()).isEqualTo(400);
    JsonObject badAuth = good.copy().put("keys", good.getJsonObject("keys").copy().put("auth", "c2hvcnQ"));
    assertThat(post("/notifications/webpush-subscription", user, badAuth).status()).isEqualTo(400);
    assertThat(post("/notifications/webpush-subscription", user, new JsonObject().put("endpoint", good.getString("endpoint"))).status())
        .isEqualTo(400);
    assertThat(post("/notifications/device-token", user, new JsonObject()).status()).isEqualTo(400);
    assertThat(post("/notifications/device-token", user, new JsonObject().put("token", "t").put("platform", "pager")).status())
        .isEqualTo(400);
    assertThat(Http.request(HttpMethod.POST, port, "/notifications/device-token", user, "not json").status()).isEqualTo(400);
    assertThat(delete("/notifications/device-token", user, new JsonObject()).status()).isEqualTo(400);
    assertThat(db.addresses("bad-user")).isEmpty();

    // Methods the push routes do not serve still get an answer (no hang behind the two body handlers).
    assertThat(Http.get(port, "/api/notifications/device-token", user).status()).isIn(404, 405);
    assertThat(Http.get(port, "/notifications/webpush-subscription", user).status()).isIn(404, 405);

    Response anonymous = post("/notifications/device-token", null, new JsonObject().put("token", "t"));
    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(anonymous.json().getJsonObject("error").getString("code")).isEqualTo("UNAUTHORIZED");
    assertThat(post("/notifications/webpush-subscription", "not-a-jwt", good).status()).isEqualTo(401);
  }

  @Test
  @DisplayName("the VAPID public key is served without a token")
  void servesVapidPublicKey() {
    Response r = Http.get(port, "/notifications/vapid-public-key", null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getString("publicKey")).isEqualTo(fakes.vapidPublicKey());
  }

  @Test
  @DisplayName("with push.max-pending-retries reached, a failed attempt is given up at once instead of queued")
  void retriesAreBounded() {
    fakes.script("tok-bounded", 503, 503);
    assertThat(post("/notifications/device-token", Tokens.user("bounded-user"), new JsonObject().put("token", "tok-bounded")).status())
        .isEqualTo(200);
    Response sent = Http.post(port, "/api/notifications", Tokens.service(),
        new JsonObject().put("userId", "bounded-user").put("title", "t").put("message", "m"));
    assertThat(sent.status()).isEqualTo(202);
    long id = sent.json().getLong("id");
    fakes.awaitFcm("tok-bounded", 1);
    db.await(() -> db.outcomes(id, "fcm"), o -> o.equals(List.of("failed")), "the only attempt logged as failed");
    assertThat(fakes.fcm("tok-bounded")).hasSize(1);
  }

  private static Response post(String path, String token, JsonObject body) {
    return Http.post(port, path, token, body);
  }

  private static Response delete(String path, String token, JsonObject body) {
    return Http.request(HttpMethod.DELETE, port, path, token, body == null ? null : body.encode());
  }
}

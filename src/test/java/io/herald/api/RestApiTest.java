package io.herald.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.test.Http;
import io.herald.test.Http.Response;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("REST send API")
class RestApiTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static int port;
  static final String SERVICE = Tokens.service();

  @BeforeAll
  static void start() {
    port = nodes.start(Map.of("http.max-body-bytes", 4096)).httpPort();
  }

  @Test
  @DisplayName("no token is 401, a user token is 403, a bad token is 401, all with a JSON error")
  void authorization() {
    JsonObject body = new JsonObject().put("userId", "x").put("event", "e").put("message", "m");
    Response none = Http.post(port, "/api/gateway/send", null, body);
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.json().getJsonObject("error").getString("code")).isEqualTo("UNAUTHORIZED");
    Response user = Http.post(port, "/api/gateway/send", Tokens.user("mallory"), body);
    assertThat(user.status()).isEqualTo(403);
    assertThat(user.json().getJsonObject("error").getString("code")).isEqualTo("FORBIDDEN");
    Response bad = Http.post(port, "/api/gateway/send", "not-a-jwt", body);
    assertThat(bad.status()).isEqualTo(401);
    assertThat(Http.get(port, "/api/gateway/stats", Tokens.user("mallory")).status()).isEqualTo(403);
    assertThat(Http.get(port, "/api/gateway/connected", null).status()).isEqualTo(401);
  }

  @Test
  @DisplayName("send reaches every socket of the user, without a room field")
  void sendToUser() {
    try (TestSocket a = TestSocket.connect(port, Tokens.user("u1"));
        TestSocket b = TestSocket.connect(port, Tokens.user("u1"));
        TestSocket other = TestSocket.connect(port, Tokens.user("u2"))) {
      Response r = Http.post(port, "/api/gateway/send", SERVICE,
          new JsonObject().put("userId", "u1").put("event", "order-shipped").put("message", new JsonObject().put("orderId", 42)));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json()).isEqualTo(new JsonObject().put("success", true).put("message", "Message sent to user u1"));
      for (TestSocket s : new TestSocket[] {a, b}) {
        JsonObject f = s.expect("order-shipped");
        assertThat(f.getJsonObject("data").getInteger("orderId")).isEqualTo(42);
        assertThat(f.containsKey("room")).isFalse();
      }
      other.send("ping", new JsonObject(), 1);
      other.expect("pong");
    }
  }

  @Test
  @DisplayName("send to a user who is not connected answers success false")
  void sendToOffline() {
    Response r = Http.post(port, "/api/gateway/send", SERVICE,
        new JsonObject().put("userId", "nobody").put("event", "e").put("message", "m"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json()).isEqualTo(new JsonObject().put("success", false).put("message", "User nobody is not connected"));
  }

  @Test
  @DisplayName("send-many reaches each listed user and reports how many ids were given")
  void sendMany() {
    try (TestSocket a = TestSocket.connect(port, Tokens.user("m1"));
        TestSocket b = TestSocket.connect(port, Tokens.user("m2"))) {
      Response r = Http.post(port, "/api/gateway/send-many", SERVICE, new JsonObject()
          .put("userIds", new JsonArray().add("m1").add("m2").add("m3")).put("event", "bulk").put("message", "hi"));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().getBoolean("success")).isTrue();
      assertThat(r.json().getString("message")).isEqualTo("Message sent to 3 users");
      assertThat(r.json().getJsonArray("userIds")).containsExactly("m1", "m2", "m3");
      assertThat(a.expect("bulk").getString("data")).isEqualTo("hi");
      assertThat(b.expect("bulk").getString("data")).isEqualTo("hi");
    }
  }

  @Test
  @DisplayName("notifications answer 202 and the user's sockets get a notification event")
  void notification() {
    try (TestSocket s = TestSocket.connect(port, Tokens.user("n1"))) {
      Response r = Http.post(port, "/api/notifications", SERVICE, new JsonObject().put("userId", "n1")
          .put("type", "success").put("title", "Welcome!").put("message", "Account created")
          .put("data", new JsonObject().put("k", "v")));
      assertThat(r.status()).isEqualTo(202);
      JsonObject data = s.expect("notification").getJsonObject("data");
      assertThat(data.getString("type")).isEqualTo("success");
      assertThat(data.getString("title")).isEqualTo("Welcome!");
      assertThat(data.getString("message")).isEqualTo("Account created");
      assertThat(data.getJsonObject("data").getString("k")).isEqualTo("v");
      assertThat(data.getLong("timestamp")).isPositive();
    }
  }

  @Test
  @DisplayName("room events reach the room's members with the room name, and no one else")
  void roomEvents() {
    try (TestSocket member = TestSocket.connect(port, Tokens.user("r1", "course:*"));
        TestSocket outsider = TestSocket.connect(port, Tokens.user("r2", "course:*"))) {
      member.request("join-room", new JsonObject().put("room", "course:7"));
      Response r = Http.post(port, "/api/rooms/course:7/events", SERVICE,
          new JsonObject().put("event", "lesson-started").put("data", new JsonObject().put("lesson", 3)));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().getBoolean("delivered")).isTrue();
      JsonObject f = member.expect("lesson-started");
      assertThat(f.getString("room")).isEqualTo("course:7");
      assertThat(f.getJsonObject("data").getInteger("lesson")).isEqualTo(3);
      outsider.send("ping", new JsonObject(), 1);
      outsider.expect("pong");
      member.request("leave-room", new JsonObject().put("room", "course:7"));
      Response after = Http.post(port, "/api/rooms/course:7/events", SERVICE, new JsonObject().put("event", "x"));
      assertThat(after.json().getBoolean("delivered")).isFalse();
    }
  }

  @Test
  @DisplayName("broadcast reaches every connected client")
  void broadcast() {
    try (TestSocket a = TestSocket.connect(port, Tokens.user("b1"));
        TestSocket b = TestSocket.connect(port, Tokens.user("b2"))) {
      Response r = Http.post(port, "/api/broadcast", SERVICE,
          new JsonObject().put("event", "maintenance").put("data", new JsonObject().put("at", "22:00")));
      assertThat(r.status()).isEqualTo(200);
      assertThat(a.expect("maintenance").getJsonObject("data").getString("at")).isEqualTo("22:00");
      assertThat(b.expect("maintenance").getJsonObject("data").getString("at")).isEqualTo("22:00");
    }
  }

  @Test
  @DisplayName("status, connected and stats describe the connected users")
  void statusEndpoints() {
    try (TestSocket a = TestSocket.connect(port, Tokens.user("s1", "lobby:*"))) {
      a.request("join-room", new JsonObject().put("room", "lobby:1"));
      assertThat(Http.get(port, "/api/gateway/status/s1", SERVICE).json())
          .isEqualTo(new JsonObject().put("userId", "s1").put("connected", true));
      assertThat(Http.get(port, "/api/gateway/status/zz", SERVICE).json())
          .isEqualTo(new JsonObject().put("userId", "zz").put("connected", false));
      JsonObject connected = Http.get(port, "/api/gateway/connected", SERVICE).json();
      assertThat(connected.getJsonArray("connectedUsers")).contains("s1");
      assertThat(connected.getInteger("count")).isEqualTo(connected.getJsonArray("connectedUsers").size());
      JsonObject stats = Http.get(port, "/api/gateway/stats", SERVICE).json();
      assertThat(stats.getInteger("connectedUsers")).isGreaterThanOrEqualTo(1);
      assertThat(stats.getInteger("connections")).isGreaterThanOrEqualTo(1);
      assertThat(stats.getInteger("rooms")).isGreaterThanOrEqualTo(1);
      JsonObject node = stats.getJsonArray("nodes").getJsonObject(0);
      assertThat(node.fieldNames()).containsExactlyInAnyOrder("nodeId", "connections", "users", "rooms", "messages");
    }
  }

  @Test
  @DisplayName("bad bodies get 400 naming the field")
  void badBodies() {
    assertBad("/api/gateway/send", new JsonObject().put("event", "e").put("message", "m"), "userId");
    assertBad("/api/gateway/send", new JsonObject().put("userId", "u").put("message", "m"), "event");
    assertBad("/api/gateway/send", new JsonObject().put("userId", "u").put("event", "e"), "message");
    assertBad("/api/gateway/send-many", new JsonObject().put("userIds", new JsonArray()).put("event", "e").put("message", "m"), "userIds");
    assertBad("/api/notifications", new JsonObject().put("userId", "u").put("type", "fatal").put("title", "t").put("message", "m"), "type");
    assertBad("/api/notifications", new JsonObject().put("userId", "u").put("message", "m"), "title");
    // PostgreSQL refuses NUL in text and jsonb: refused up front, naming the field, never a 500
    assertBad("/api/notifications", new JsonObject().put("userId", "u").put("type", "info").put("title", "a\u0000b").put("message", "m"), "title");
    assertBad("/api/notifications", new JsonObject().put("userId", "u").put("type", "info").put("title", "t").put("message", "m")
        .put("data", new JsonObject().put("list", new JsonArray().add(new JsonObject().put("k\u0000", 1)))), "data");
    assertBad("/api/rooms/bad%20room/events", new JsonObject().put("event", "e"), "room");
    assertBad("/api/broadcast", new JsonObject().put("data", 1), "event");
    Response notJson = Http.request(HttpMethod.POST, port, "/api/broadcast", SERVICE, "{nope");
    assertThat(notJson.status()).isEqualTo(400);
    assertThat(notJson.json().getJsonObject("error").getString("code")).isEqualTo("BAD_REQUEST");
    Response array = Http.request(HttpMethod.POST, port, "/api/broadcast", SERVICE, "[1]");
    assertThat(array.status()).isEqualTo(400);
  }

  @Test
  @DisplayName("a body over http.max-body-bytes is 413; unknown routes are 404; both JSON")
  void limitsAndUnknownRoutes() {
    Response big = Http.post(port, "/api/broadcast", SERVICE, new JsonObject().put("event", "e").put("data", "x".repeat(5000)));
    assertThat(big.status()).isEqualTo(413);
    assertThat(big.json().getJsonObject("error").getString("code")).isEqualTo("PAYLOAD_TOO_LARGE");
    Response missing = Http.get(port, "/api/nothing-here", SERVICE);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().getJsonObject("error").getString("code")).isEqualTo("NOT_FOUND");
  }

  @Test
  @DisplayName("health: live and ready answer 200 on a started node")
  void health() {
    assertThat(Http.get(port, "/health/live", null).status()).isEqualTo(200);
    Response ready = Http.get(port, "/health/ready", null);
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().getString("status")).isEqualTo("UP");
  }

  @Test
  @DisplayName("a plain HTTP request to /ws gets 400 asking for an upgrade")
  void wsWithoutUpgrade() {
    Response r = Http.get(port, "/ws", null);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().getJsonObject("error").getString("code")).isEqualTo("BAD_REQUEST");
  }

  private void assertBad(String path, JsonObject body, String field) {
    Response r = Http.post(port, path, SERVICE, body);
    assertThat(r.status()).as(path + " " + body).isEqualTo(400);
    assertThat(r.json().getJsonObject("error").getString("code")).isEqualTo("BAD_REQUEST");
    assertThat(r.json().getJsonObject("error").getString("message")).contains(field);
  }
}

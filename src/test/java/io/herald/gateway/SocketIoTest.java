package io.herald.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.Http;
import io.herald.test.NodeScript;
import io.herald.test.TestNodes;
import io.herald.test.Producer;
import io.herald.test.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("Socket.IO endpoint with the npm socket.io-client 4.x")
class SocketIoTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode node;
  static String base;
  static final String SERVICE = Tokens.service();
  NodeScript driver;

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("limits.max-connections-per-user", 3, "presence.grace-ms", 100));
    base = "http://127.0.0.1:" + node.httpPort();
  }

  @BeforeEach
  void driver() {
    driver = NodeScript.start("socketio-driver.js", Map.of());
  }

  @AfterEach
  void closeDriver() {
    driver.close();
  }

  void connect(String name, String nsp, JsonObject opts) {
    driver.tell(new JsonObject().put("cmd", "connect").put("name", name).put("url", base + nsp).put("opts", opts).encode());
  }

  void emit(String name, String event, Object data, boolean ack) {
    driver.tell(new JsonObject().put("cmd", "emit").put("name", name).put("event", event).put("data", data).put("ack", ack).encode());
  }

  JsonObject event(String name, String event) {
    return driver.expect(e -> "event".equals(e.getString("type")) && name.equals(e.getString("name")) && event.equals(e.getString("event")),
        "event " + event + " on " + name);
  }

  JsonObject ack(String name, String event) {
    return driver.expect(e -> "ack".equals(e.getString("type")) && name.equals(e.getString("name")) && event.equals(e.getString("event")),
        "ack of " + event + " on " + name);
  }

  JsonObject report(String name, String type) {
    return driver.expect(e -> type.equals(e.getString("type")) && name.equals(e.getString("name")), type + " on " + name);
  }

  static JsonObject auth(String token) {
    return new JsonObject().put("auth", new JsonObject().put("token", token));
  }

  @ParameterizedTest(name = "transports {0}")
  @ValueSource(strings = {"polling,websocket", "websocket"})
  @DisplayName("connect with auth.token, get connected, ping with and without an ack, events from REST")
  void roundTrip(String transports) {
    String user = "sio-" + transports.length();
    JsonObject opts = auth(Tokens.user(user, "course:*")).put("transports", new JsonArray(java.util.List.of(transports.split(","))));
    connect("a", "/notifications", opts);
    assertThat(report("a", "connect").getString("id")).isNotBlank();
    JsonObject connected = event("a", "connected");
    assertThat(connected.getJsonArray("args").getJsonObject(0).getString("userId")).isEqualTo(user);
    if (transports.startsWith("polling")) {
      assertThat(report("a", "upgrade").getString("transport")).isEqualTo("websocket");
    }
    emit("a", "ping", null, true);
    assertThat(ack("a", "ping").getJsonArray("args").getJsonObject(0).getLong("timestamp")).isPositive();
    event("a", "pong");
    emit("a", "ping", null, false);
    event("a", "pong");

    emit("a", "join-room", new JsonObject().put("room", "course:5"), true);
    assertThat(ack("a", "join-room").getJsonArray("args").getJsonObject(0).getString("room")).isEqualTo("course:5");
    Http.post(node.httpPort(), "/api/rooms/course:5/events", SERVICE, new JsonObject().put("event", "quiz").put("data", new JsonObject().put("q", 1)));
    JsonArray quiz = event("a", "quiz").getJsonArray("args");
    assertThat(quiz.getJsonObject(0).getInteger("q")).isEqualTo(1);
    assertThat(quiz.getString(1)).isEqualTo("course:5");

    long id = Producer.notify(node.httpPort(), new JsonObject().put("userId", user).put("title", "Hi").put("message", "there"));
    JsonObject n = event("a", "notification").getJsonArray("args").getJsonObject(0);
    assertThat(n.getLong("id")).isEqualTo(id);
    assertThat(n.getString("title")).isEqualTo("Hi");
    event("a", "unread_count");

    emit("a", "join-room", new JsonObject().put("room", "secret:1"), true);
    JsonObject refused = ack("a", "join-room").getJsonArray("args").getJsonObject(0);
    assertThat(refused.getJsonObject("error").getString("code")).isEqualTo("FORBIDDEN");
    assertThat(event("a", "error").getJsonArray("args").getJsonObject(0).getString("code")).isEqualTo("FORBIDDEN");
  }

  @Test
  @DisplayName("auth styles: extraHeaders Authorization and query token; auth.token wins over them")
  void authStyles() {
    connect("h", "/", new JsonObject().put("extraHeaders", new JsonObject().put("Authorization", "Bearer " + Tokens.user("sio-h"))));
    assertThat(event("h", "connected").getJsonArray("args").getJsonObject(0).getString("userId")).isEqualTo("sio-h");
    connect("q", "/dashboard", new JsonObject().put("query", new JsonObject().put("token", Tokens.user("sio-q"))).put("forceNew", true));
    assertThat(event("q", "connected").getJsonArray("args").getJsonObject(0).getString("userId")).isEqualTo("sio-q");
    connect("w", "/ws", auth(Tokens.user("sio-w")).put("forceNew", true)
        .put("extraHeaders", new JsonObject().put("Authorization", "Bearer not-a-token")));
    assertThat(event("w", "connected").getJsonArray("args").getJsonObject(0).getString("userId")).isEqualTo("sio-w");
  }

  @Test
  @DisplayName("a bad or missing token reaches connect_error with data.code UNAUTHORIZED; an unknown namespace is invalid")
  void refusals() {
    connect("bad", "/notifications", auth("nope"));
    JsonObject err = report("bad", "connect_error");
    assertThat(err.getString("message")).isEqualTo("Authentication failed");
    assertThat(err.getJsonObject("data").getString("code")).isEqualTo("UNAUTHORIZED");
    connect("none", "/notifications", new JsonObject().put("forceNew", true));
    assertThat(report("none", "connect_error").getJsonObject("data").getString("code")).isEqualTo("UNAUTHORIZED");
    connect("nsp", "/nowhere", auth(Tokens.user("sio-x")).put("forceNew", true));
    assertThat(report("nsp", "connect_error").getString("message")).isEqualTo("Invalid namespace");
  }

  @Test
  @DisplayName("two namespaces on one client are two sessions; the per-user limit applies with connect_error")
  void namespacesAndLimits() {
    String token = Tokens.user("sio-two");
    connect("n1", "/notifications", auth(token));
    connect("n2", "/dashboard", auth(token));
    event("n1", "connected");
    event("n2", "connected");
    assertThat(Http.get(node.httpPort(), "/api/gateway/stats", SERVICE).json().getInteger("connections")).isGreaterThanOrEqualTo(2);
    Http.post(node.httpPort(), "/api/gateway/send", SERVICE, new JsonObject().put("userId", "sio-two").put("event", "hello").put("message", "x"));
    event("n1", "hello");
    event("n2", "hello");
    connect("n3", "/ws", auth(token));
    event("n3", "connected");
    connect("n4", "/", auth(token));
    assertThat(report("n4", "connect_error").getJsonObject("data").getString("code")).isEqualTo("TOO_MANY_CONNECTIONS");
  }

  @Test
  @DisplayName("presence events caused by other clients, and replay with auth.lastNotificationId")
  void presenceAndReplay() {
    connect("watcher", "/", auth(Tokens.user("sio-watch")));
    event("watcher", "connected");
    emit("watcher", "subscribe-user-status", new JsonObject().put("userId", "sio-friend"), true);
    ack("watcher", "subscribe-user-status");
    connect("friend", "/notifications", auth(Tokens.user("sio-friend")).put("forceNew", true));
    JsonObject status = event("watcher", "user_status").getJsonArray("args").getJsonObject(0);
    assertThat(status.getString("userId")).isEqualTo("sio-friend");
    assertThat(status.getString("status")).isEqualTo("online");

    long first = Producer.notify(node.httpPort(), new JsonObject().put("userId", "sio-replay").put("title", "one").put("message", "m"));
    long second = Producer.notify(node.httpPort(), new JsonObject().put("userId", "sio-replay").put("title", "two").put("message", "m"));
    connect("r", "/notifications", new JsonObject().put("forceNew", true)
        .put("auth", new JsonObject().put("token", Tokens.user("sio-replay")).put("lastNotificationId", first)));
    JsonObject replayed = event("r", "notification").getJsonArray("args").getJsonObject(0);
    assertThat(replayed.getLong("id")).isEqualTo(second);
    assertThat(event("r", "unread_count").getJsonArray("args").getJsonObject(0).getLong("count")).isEqualTo(2);
  }

  @Test
  @DisplayName("a producer's namespace restricts a delivery to sessions of that namespace")
  void namespaceRestriction() {
    String token = Tokens.user("sio-ns");
    connect("n", "/notifications", auth(token));
    connect("d", "/dashboard", auth(token));
    event("n", "connected");
    event("d", "connected");
    try (io.herald.test.TestSocket plain = io.herald.test.TestSocket.connect(node.httpPort(), token)) {
      Http.post(node.httpPort(), "/api/gateway/send", SERVICE, new JsonObject().put("userId", "sio-ns")
          .put("event", "stats-update").put("message", 1).put("namespace", "/dashboard"));
      Http.post(node.httpPort(), "/api/broadcast", SERVICE, new JsonObject().put("event", "all").put("data", 2));
      assertThat(event("d", "stats-update").getJsonArray("args").getInteger(0)).isEqualTo(1);
      event("n", "all"); // broadcasts after the restricted send: had n received it, it would come first
      emit("n", "ping", null, false);
      JsonObject next = driver.expect(e -> "n".equals(e.getString("name")) && "event".equals(e.getString("type"))
          && !"unread_count".equals(e.getString("event")), "next event on n");
      assertThat(next.getString("event")).isEqualTo("pong");
      plain.expect("all");
    }
    assertThat(Http.post(node.httpPort(), "/api/broadcast", SERVICE, new JsonObject().put("event", "e").put("namespace", "dashboard"))
        .status()).isEqualTo(400);
  }

  @Test
  @DisplayName("binary attachments are refused with BAD_REQUEST; a malformed packet closes only that client")
  void badInput() {
    connect("b", "/", auth(Tokens.user("sio-bin")));
    event("b", "connected");
    driver.tell(new JsonObject().put("cmd", "emit").put("name", "b").put("event", "message").put("data", new JsonArray().add(1).add(2))
        .put("binary", true).put("ack", true).encode());
    assertThat(event("b", "error").getJsonArray("args").getJsonObject(0).getString("code")).isEqualTo("BAD_REQUEST");
    assertThat(ack("b", "message").getJsonArray("args").getJsonObject(0).getJsonObject("error").getString("code")).isEqualTo("BAD_REQUEST");

    // The same over long-polling, where the attachment travels as a base64 packet: refused once,
    // and the connection stays usable.
    connect("bp", "/", auth(Tokens.user("sio-bin-poll")).put("forceNew", true).put("transports", new JsonArray().add("polling")));
    event("bp", "connected");
    driver.tell(new JsonObject().put("cmd", "emit").put("name", "bp").put("event", "message").put("data", new JsonArray().add(3))
        .put("binary", true).put("ack", true).encode());
    assertThat(ack("bp", "message").getJsonArray("args").getJsonObject(0).getJsonObject("error").getString("code")).isEqualTo("BAD_REQUEST");
    emit("bp", "ping", null, true);
    ack("bp", "ping");
    emit("b", "ping", null, true);
    ack("b", "ping");
    assertThat(driver.output()).doesNotContain("\"name\":\"bp\",\"reason\"");

    io.vertx.core.http.WebSocket raw = io.herald.test.Await.result(io.herald.test.TestSocket.vertx().createWebSocketClient()
        .connect(node.httpPort(), "127.0.0.1", "/socket.io/?EIO=4&transport=websocket"));
    io.vertx.core.Promise<Void> closed = io.vertx.core.Promise.promise();
    raw.closeHandler(v -> closed.tryComplete());
    raw.writeTextMessage("4zzz not a packet");
    io.herald.test.Await.result(closed.future(), 10);
    emit("b", "ping", null, true);
    ack("b", "ping");
  }

  @Test
  @DisplayName("every /ws client event works through socket.emit with an ack: the reply is the ack and an event")
  void everyEventWithAck() {
    String user = "sio-all";
    connect("e", "/notifications", auth(Tokens.user(user, "course:*", "referrals")));
    event("e", "connected");
    Producer.notify(node.httpPort(), new JsonObject().put("userId", user).put("title", "t").put("message", "m"));
    event("e", "notification");
    event("e", "unread_count"); // the catch-up's
    event("e", "unread_count"); // after the notification
    Object[][] calls = {
        {"ping", null, "pong"},
        {"join-room", new JsonObject().put("room", "course:1"), "joined-room"},
        {"join_room", new JsonObject().put("room", "course:2"), "joined-room"},
        {"leave-room", new JsonObject().put("room", "course:1"), "left-room"},
        {"leave_room", new JsonObject().put("room", "course:2"), "left-room"},
        {"subscribe", new JsonObject().put("channels", new JsonArray().add("referrals")), "subscribed"},
        {"unsubscribe", new JsonObject().put("channels", new JsonArray().add("referrals")), "unsubscribed"},
        {"get-online-status", new JsonObject().put("userIds", new JsonArray().add(user).add("nobody")), "online-status"},
        {"subscribe-user-status", new JsonObject().put("userId", "someone"), "subscribed"},
        {"unsubscribe-user-status", new JsonObject().put("userId", "someone"), "unsubscribed"},
        {"message", new JsonObject().put("message", "hi"), "messageReceived"},
        {"get-notifications", new JsonObject().put("limit", 5), "notifications"},
        {"get-unread-count", null, "unread_count"},
        {"mark-all-read", null, "marked-read"},
        {"no-such-event", null, "error"},
    };
    for (Object[] c : calls) {
      String name = (String) c[0];
      emit("e", name, c[1], true);
      JsonObject acked = ack("e", name).getJsonArray("args").getJsonObject(0);
      JsonObject emitted = event("e", (String) c[2]);
      if ("error".equals(c[2])) {
        assertThat(acked.getJsonObject("error").getString("code")).isEqualTo("UNKNOWN_EVENT");
      } else {
        assertThat(acked).as(name).isEqualTo(emitted.getJsonArray("args").getJsonObject(0));
      }
    }
  }

  @Test
  @DisplayName("an event-bus producer can restrict a delivery with the namespace header")
  void namespaceHeader() {
    String token = Tokens.user("sio-hdr");
    connect("n", "/notifications", auth(token));
    connect("d", "/dashboard", auth(token));
    event("n", "connected");
    event("d", "connected");
    io.herald.test.Await.result(node.vertx().eventBus().request(io.herald.cluster.Addresses.SEND_USER,
        new JsonObject().put("userId", "sio-hdr").put("event", "only-dashboard").put("data", 1),
        new io.vertx.core.eventbus.DeliveryOptions().addHeader("namespace", "/dashboard")));
    event("d", "only-dashboard");
    emit("n", "ping", null, false);
    JsonObject next = driver.expect(e -> "n".equals(e.getString("name")) && "event".equals(e.getString("type"))
        && !"unread_count".equals(e.getString("event")), "next event on n");
    assertThat(next.getString("event")).isEqualTo("pong");
  }
}

package io.herald.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import io.herald.HeraldNode;
import io.herald.gateway.transport.bridge.BridgeAddresses;
import io.herald.test.Await;
import io.herald.test.Http;
import io.herald.test.NodeScript;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Producer;
import io.herald.test.Tokens;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("/eventbus: the Vert.x event-bus bridge protocol with the stock @vertx/eventbus-bridge-client.js")
class EventBusBridgeTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode node;
  static final String service = Tokens.service();

  @BeforeAll
  static void start() {
    node = nodes.start();
  }

  /** The Node.js bridge client, driven by commands; everything it sees comes back as reports. */
  static final class Client implements AutoCloseable {
    final NodeScript script;
    /** The 'open' report: which sockjs-client transport was negotiated. */
    final JsonObject opened;

    Client(Map<String, String> env) {
      this(node, env);
    }

    Client(HeraldNode target, Map<String, String> env) {
      Map<String, String> all = new java.util.HashMap<>(env);
      all.put("HERALD_URL", "http://127.0.0.1:" + target.httpPort());
      script = NodeScript.start("eventbus-client.js", all);
      opened = script.expect("open");
    }

    Client() {
      this(Map.of());
    }

    void tell(JsonObject command) {
      script.tell(command.encode());
    }

    void register(String address, String token) {
      tell(new JsonObject().put("op", "register").put("address", address).put("headers", headers(token)));
    }

    void unregister(String address) {
      tell(new JsonObject().put("op", "unregister").put("address", address));
    }

    void send(String address, JsonObject body, String token) {
      tell(new JsonObject().put("op", "send").put("address", address).put("body", body)
          .put("headers", headers(token)).put("reply", true));
    }

    /** The next message the handler of {@code address} received whose event is {@code event}. */
    JsonObject message(String address, String event) {
      return script.expect(e -> "message".equals(e.getString("type")) && address.equals(e.getString("address"))
          && event.equals(e.getJsonObject("body").getString("event")), event + " on " + address).getJsonObject("body");
    }

    /** What the stock client passed to the error callback of {@code address}'s handler. */
    JsonObject handlerError(String address) {
      return script.expect(e -> "handler-error".equals(e.getString("type")) && address.equals(e.getString("address")),
          "an error for the handler of " + address).getJsonObject("error");
    }

    JsonObject expect(Predicate<JsonObject> p, String what) {
      return script.expect(p, what);
    }

    @Override
    public void close() {
      script.close();
    }

    private static JsonObject headers(String token) {
      return token == null ? new JsonObject() : new JsonObject().put("Authorization", "Bearer " + token);
    }
  }

  @Test
  @DisplayName("a registration to herald.user.{me} is acknowledged with 'connected' and receives notifications sent through POST /api/notifications, as the user's /ws socket does")
  void userAddressReceivesNotifications() {
    String me = BridgeAddresses.user("bb-notified");
    try (Client c = new Client(); TestSocket ws = TestSocket.connect(node.httpPort(), Tokens.user("bb-notified"))) {
      assertThat(c.opened.getString("transport")).isEqualTo("websocket");
      c.register(me, Tokens.user("bb-notified"));
      assertThat(c.message(me, "connected").getJsonObject("data").getString("userId")).isEqualTo("bb-notified");
      c.message(me, "unread_count");
      Http.Response sent = Http.post(node.httpPort(), "/api/notifications", service, new JsonObject()
          .put("userId", "bb-notified").put("title", "Hello").put("message", "over the bridge"));
      assertThat(sent.status()).isEqualTo(202);
      JsonObject n = c.message(me, "notification");
      assertThat(n.getLong("notificationId")).isEqualTo(sent.json().getLong("id"));
      assertThat(n.getJsonObject("data").getString("title")).isEqualTo("Hello");
      assertThat(c.message(me, "unread_count").getJsonObject("data").getInteger("count")).isEqualTo(1);
      assertThat(ws.expect("notification").getLong("notificationId")).as("the same user's /ws socket").isEqualTo(sent.json().getLong("id"));
    }
  }

  @Test
  @DisplayName("a room registration (token cached from the first one) receives the room's events; broadcasts arrive on the user's address; after unregistering, the room's events stop")
  void roomAddressReceivesRoomEvents() {
    String me = BridgeAddresses.user("bb-student");
    String room = BridgeAddresses.room("course:42");
    try (Client c = new Client()) {
      c.register(me, Tokens.user("bb-student", "course:*"));
      c.message(me, "connected");
      c.message(me, "unread_count"); // the catch-up ends with it
      c.register(room, null);
      assertThat(c.message(room, "joined-room").getJsonObject("data").getString("room")).isEqualTo("course:42");
      Http.Response posted = Http.post(node.httpPort(), "/api/rooms/course:42/events", service,
          new JsonObject().put("event", "quiz").put("data", new JsonObject().put("q", 1)));
      assertThat(posted.json().getBoolean("delivered")).isTrue();
      assertThat(c.message(room, "quiz").getJsonObject("data").getInteger("q")).isEqualTo(1);

      Http.post(node.httpPort(), "/api/broadcast", service,
          new JsonObject().put("event", "maintenance").put("data", new JsonObject().put("at", "noon")));
      assertThat(c.message(me, "maintenance").getJsonObject("data").getString("at")).isEqualTo("noon");

      c.unregister(room);
      Http.post(node.httpPort(), "/api/rooms/course:42/events", service, new JsonObject().put("event", "after-leave"));
      Http.post(node.httpPort(), "/api/gateway/send", service,
          new JsonObject().put("userId", "bb-student").put("event", "marker").put("message", new JsonObject()));
      JsonObject next = c.expect(e -> "message".equals(e.getString("type")), "a message after unregistering");
      assertThat(next.getJsonObject("body").getString("event")).isEqualTo("marker");
    }
  }

  @Test
  @DisplayName("registering another user's address is refused: the handler's error callback gets FORBIDDEN and the reason")
  void anotherUsersAddressIsRefused() {
    String theirs = BridgeAddresses.user("bb-victim");
    try (Client c = new Client()) {
      c.register(theirs, Tokens.user("bb-intruder"));
      JsonObject error = c.handlerError(theirs);
      assertThat(error.getString("failureType")).isEqualTo("FORBIDDEN");
      assertThat(error.getInteger("failureCode")).isEqualTo(403);
      assertThat(error.getString("message")).contains("another user's address");
      Http.Response dm = Http.post(node.httpPort(), "/api/gateway/send", service,
          new JsonObject().put("userId", "bb-victim").put("event", "secret").put("message", new JsonObject()));
      assertThat(dm.json().getBoolean("success")).as("bb-victim has no connection").isFalse();
    }
  }

  @Test
  @DisplayName("a room the policy does not let the user join is refused with the policy's reason")
  void forbiddenRoomIsRefused() {
    String room = BridgeAddresses.room("course:7");
    try (Client c = new Client()) {
      c.register(room, Tokens.user("bb-outsider", "course:8"));
      JsonObject error = c.handlerError(room);
      assertThat(error.getString("failureType")).isEqualTo("FORBIDDEN");
      assertThat(error.getString("message")).contains("not allowed to join room course:7");
      assertThat(Http.post(node.httpPort(), "/api/rooms/course:7/events", service, new JsonObject().put("event", "x"))
          .json().getBoolean("delivered")).isFalse();
    }
  }

  @Test
  @DisplayName("without a token a registration is refused and the socket stays usable; an invalid token is refused and the socket closed")
  void missingOrInvalidTokenIsRefused() {
    String me = BridgeAddresses.user("bb-late");
    try (Client c = new Client()) {
      c.register(me, null);
      JsonObject missing = c.handlerError(me);
      assertThat(missing.getString("failureType")).isEqualTo("UNAUTHORIZED");
      assertThat(missing.getString("message")).contains("no token");
      c.unregister(me);
      c.register(me, Tokens.user("bb-late"));
      c.message(me, "connected");
    }
    String mine = BridgeAddresses.user("bb-forger");
    try (Client c = new Client()) {
      c.register(mine, Tokens.signRaw(new JsonObject().put("sub", "bb-forger"), "another-secret-0123456789-abcdefghijk"));
      JsonObject invalid = c.handlerError(mine);
      assertThat(invalid.getString("failureType")).isEqualTo("UNAUTHORIZED");
      assertThat(invalid.getInteger("failureCode")).isEqualTo(401);
      JsonObject notice = c.expect(e -> "onerror".equals(e.getString("type")), "the close notice").getJsonObject("error");
      assertThat(notice.getString("body")).isEqualTo("closed");
      assertThat(notice.getInteger("failureCode")).isEqualTo(4401);
      c.expect(e -> "closed".equals(e.getString("type")), "the socket closing");
    }
  }

  @Test
  @DisplayName("sends to undocumented addresses are refused (even real event-bus addresses); the reply callback gets the reason")
  void undocumentedAddressesAreRefused() {
    try (Client c = new Client()) {
      c.send("herald.send.user", new JsonObject().put("userId", "bb-victim2").put("event", "x"), Tokens.user("bb-sender"));
      JsonObject refused = c.expect(e -> "reply-error".equals(e.getString("type")), "the send refused").getJsonObject("error");
      assertThat(refused.getString("failureType")).isEqualTo("FORBIDDEN");
      assertThat(refused.getString("message")).contains("does not take messages from clients");

      c.tell(new JsonObject().put("op", "publish").put("address", BridgeAddresses.room("lobby")).put("body", new JsonObject())
          .put("headers", new JsonObject().put("token", Tokens.user("bb-sender"))));
      JsonObject err = c.expect(e -> "onerror".equals(e.getString("type")), "the publish refused").getJsonObject("error");
      assertThat(err.getString("body")).isEqualTo("access_denied");

      c.tell(new JsonObject().put("op", "raw").put("text", "{not json"));
      assertThat(c.expect(e -> "onerror".equals(e.getString("type")), "invalid JSON refused")
          .getJsonObject("error").getString("body")).isEqualTo("invalid_json");
    }
  }

  @Test
  @DisplayName("messaging over the bridge: herald.messages.send answers message:sent, the receiver's message:new arrives on herald.user.{me}, typing is acked")
  void messaging() {
    String me = BridgeAddresses.user("bb-dm-sender");
    String token = Tokens.user("bb-dm-sender");
    try (Client c = new Client(); TestSocket bob = TestSocket.connect(node.httpPort(), Tokens.user("bb-dm-bob"))) {
      c.register(me, token);
      c.message(me, "connected");
      c.send(BridgeAddresses.TYPING, new JsonObject().put("receiverId", "bb-dm-bob").put("isTyping", true), token);
      JsonObject ack = c.expect(e -> "reply".equals(e.getString("type")), "the typing ack").getJsonObject("body");
      assertThat(ack.getString("event")).isEqualTo("ack");
      assertThat(bob.expect("typing:start").getJsonObject("data").getString("userId")).isEqualTo("bb-dm-sender");

      c.send(BridgeAddresses.MESSAGE_SEND, new JsonObject().put("receiverId", "bb-dm-bob").put("content", "over the bridge"), token);
      JsonObject sent = c.expect(e -> "reply".equals(e.getString("type")) && "message:sent".equals(e.getJsonObject("body").getString("event")),
          "message:sent").getJsonObject("body");
      assertThat(bob.expect("message:new").getJsonObject("data").getLong("id")).isEqualTo(sent.getJsonObject("data").getLong("id"));

      bob.request("sendMessage", new JsonObject().put("receiverId", "bb-dm-sender").put("content", "back"));
      assertThat(c.message(me, "message:new").getJsonObject("data").getString("content")).isEqualTo("back");
    }
  }

  @Test
  @DisplayName("herald.ping answers pong on the reply address (token in a 'token' header); past ws.rate-limit-per-minute sends get RATE_LIMITED")
  void pingAndRateLimit() {
    try (Client c = new Client()) {
      c.tell(new JsonObject().put("op", "send").put("address", BridgeAddresses.PING).put("body", new JsonObject())
          .put("headers", new JsonObject().put("token", Tokens.user("bb-pinger"))).put("reply", true));
      JsonObject pong = c.expect(e -> "reply".equals(e.getString("type")), "the pong").getJsonObject("body");
      assertThat(pong.getString("event")).isEqualTo("pong");
      assertThat(pong.getJsonObject("data").getLong("timestamp")).isPositive();

      int limit = node.config().rateLimitPerMinute;
      for (int i = 0; i < limit + 10; i++) {
        c.send(BridgeAddresses.PING, new JsonObject(), null);
      }
      JsonObject limited = c.expect(e -> "reply-error".equals(e.getString("type")), "a RATE_LIMITED reply").getJsonObject("error");
      assertThat(limited.getString("failureType")).isEqualTo("RATE_LIMITED");
      assertThat(limited.getInteger("failureCode")).isEqualTo(429);
    }
  }

  @Test
  @DisplayName("the XHR polling transport works the same (SockJS fallback), refusals included")
  void xhrPolling() {
    String me = BridgeAddresses.user("bb-polling");
    try (Client c = new Client(Map.of("TRANSPORTS", "xhr-polling"))) {
      assertThat(c.opened.getString("transport")).isEqualTo("xhr-polling");
      c.register(me, Tokens.user("bb-polling"));
      c.message(me, "connected");
      Http.post(node.httpPort(), "/api/gateway/send", service,
          new JsonObject().put("userId", "bb-polling").put("event", "hello").put("message", new JsonObject().put("n", 1)));
      assertThat(c.message(me, "hello").getJsonObject("data").getInteger("n")).isEqualTo(1);
    }
    String forged = BridgeAddresses.user("bb-polling-forger");
    try (Client c = new Client(Map.of("TRANSPORTS", "xhr-polling"))) {
      c.register(forged, Tokens.signRaw(new JsonObject().put("sub", "bb-polling-forger"), "another-secret-0123456789-abcdefghijk"));
      assertThat(c.handlerError(forged).getString("failureType")).as("the refusal reaches a polling client before the close")
          .isEqualTo("UNAUTHORIZED");
      c.expect(e -> "closed".equals(e.getString("type")), "the socket closing");
    }
  }

  @Test
  @DisplayName("client registrations add no event-bus registration in the cluster (a real consumer does: the probe sees it)")
  void noClusterRegistrations() {
    HazelcastInstance hz = ((HazelcastClusterManager) ((VertxInternal) node.vertx()).clusterManager()).getHazelcastInstance();
    int before = hz.getMultiMap("__vertx.subs").size();
    try (Client c = new Client()) {
      String me = BridgeAddresses.user("bb-many");
      c.register(me, Tokens.user("bb-many", "team:*"));
      c.message(me, "connected");
      for (int i = 0; i < 5; i++) {
        c.register(BridgeAddresses.room("team:" + i), null);
        c.message(BridgeAddresses.room("team:" + i), "joined-room");
      }
      assertThat(hz.getMultiMap("__vertx.subs").size()).as("event-bus registrations in the cluster").isEqualTo(before);

      MessageConsumer<Object> control = node.vertx().eventBus().consumer("bb-control-" + System.nanoTime(), m -> { });
      Await.result(control.completion());
      assertThat(hz.getMultiMap("__vertx.subs").size()).as("the probe counts a real consumer").isEqualTo(before + 1);
      Await.result(control.unregister());
    }
  }

  @Test
  @DisplayName("notifications stored while offline are replayed on herald.user.{me}, then unread_count; a lastNotificationId header resumes after it; history over herald.notifications.history")
  void offlineNotificationsAreReplayed() {
    String me = BridgeAddresses.user("bb-away");
    long id = Producer.notify(node.httpPort(), new JsonObject()
        .put("userId", "bb-away").put("title", "While away").put("message", "stored"));
    try (Client c = new Client()) {
      c.register(me, Tokens.user("bb-away"));
      c.message(me, "connected");
      assertThat(c.message(me, "notification").getLong("notificationId")).isEqualTo(id);
      assertThat(c.message(me, "unread_count").getJsonObject("data").getInteger("count")).isEqualTo(1);
    }
    long second = Producer.notify(node.httpPort(), new JsonObject()
        .put("userId", "bb-away").put("title", "Later").put("message", "stored"));
    try (Client c = new Client()) {
      c.tell(new JsonObject().put("op", "register").put("address", me).put("headers", new JsonObject()
          .put("token", Tokens.user("bb-away")).put("lastNotificationId", String.valueOf(id))));
      c.message(me, "connected");
      assertThat(c.message(me, "notification").getLong("notificationId")).as("resumed after " + id).isEqualTo(second);
      c.message(me, "unread_count");
      c.send(BridgeAddresses.HISTORY, new JsonObject().put("limit", 10), null);
      JsonObject history = c.expect(e -> "reply".equals(e.getString("type")), "the history").getJsonObject("body");
      assertThat(history.getString("event")).isEqualTo("notifications");
      assertThat(history.getJsonObject("data").getJsonArray("items")).hasSize(2);
    }
  }

  @Test
  @DisplayName("a socket that stops pinging is closed after bridge.ping-timeout-ms; one that keeps pinging stays open")
  void silentSocketsAreClosed() {
    HeraldNode strict = nodes.start(Map.of("bridge.ping-timeout-ms", 1000));
    try (Client pinging = new Client(strict, Map.of("PING_INTERVAL", "200"));
        Client silent = new Client(strict, Map.of("PING_INTERVAL", "3600000"))) {
      pinging.register(BridgeAddresses.user("bb-pinging"), Tokens.user("bb-pinging"));
      silent.register(BridgeAddresses.user("bb-silent"), Tokens.user("bb-silent"));
      JsonObject notice = silent.expect(e -> "onerror".equals(e.getString("type")), "the close notice").getJsonObject("error");
      assertThat(notice.getString("body")).isEqualTo("closed");
      assertThat(notice.getInteger("failureCode")).isEqualTo(1001);
      assertThat(notice.getString("message")).contains("no ping within 1000 ms");
      silent.expect(e -> "closed".equals(e.getString("type")), "the silent socket closing");

      pinging.send(BridgeAddresses.PING, new JsonObject(), null);
      assertThat(pinging.expect(e -> "reply".equals(e.getString("type")), "a pong on the pinging socket")
          .getJsonObject("body").getString("event")).isEqualTo("pong");
    } finally {
      nodes.stop(strict);
    }
  }
}

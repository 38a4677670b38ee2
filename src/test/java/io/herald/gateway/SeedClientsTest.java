package io.herald.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.Http;
import io.herald.test.NodeScript;
import io.herald.test.TestNodes;
import io.herald.test.Producer;
import io.herald.test.Tokens;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("the seeds' socket.io-client snippets run unchanged against Herald")
class SeedClientsTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode node;
  static final String SERVICE = Tokens.service();

  @BeforeAll
  static void start() {
    node = nodes.start();
  }

  NodeScript run(String seed, String user) {
    String token = Tokens.user(user, "project-*", "referrals", "course:*");
    return NodeScript.start("seeds.js", Map.of("HERALD_URL", "http://127.0.0.1:" + node.httpPort(), "TOKEN", token), seed);
  }

  static JsonObject log(NodeScript s, String first) {
    return s.expect(e -> "log".equals(e.getString("type")) && first.equals(e.getJsonArray("args").getString(0)), "log '" + first + "'");
  }

  @Test
  @DisplayName("000: /notifications with auth and header, ping, join-room, online status, status subscription, notification")
  void seed000() {
    try (NodeScript s = run("000", "seed-000")) {
      log(s, "Connected to notifications server");
      assertThat(log(s, "Connection confirmed:").getJsonArray("args").getJsonObject(1).getString("userId")).isEqualTo("seed-000");
      log(s, "pong");
      assertThat(log(s, "joined-room").getJsonArray("args").getJsonObject(1).getString("room")).isEqualTo("project-123");
      assertThat(log(s, "online-status").getJsonArray("args").getJsonObject(1).getJsonObject("status").getBoolean("123")).isFalse();
      assertThat(log(s, "subscribed").getJsonArray("args").getJsonObject(1).getString("userId")).isEqualTo("123");
      Producer.notify(node.httpPort(), new JsonObject().put("userId", "seed-000")
          .put("type", "success").put("title", "Welcome!").put("message", "Account created successfully"));
      assertThat(log(s, "New notification:").getJsonArray("args").getJsonObject(1).getString("title")).isEqualTo("Welcome!");
    }
  }

  @Test
  @DisplayName("002: /dashboard over websocket with the token in the query, subscribe to a channel, receive its events")
  void seed002() {
    try (NodeScript s = run("002", "seed-002")) {
      log(s, "Dashboard connected:");
      assertThat(log(s, "subscribed").getJsonArray("args").getJsonObject(1).getJsonArray("channels")).containsExactly("referrals");
      Http.post(node.httpPort(), "/api/rooms/referrals/events", SERVICE,
          new JsonObject().put("event", "stats_update").put("data", new JsonObject().put("referrals", 42)));
      assertThat(log(s, "Stats update:").getJsonArray("args").getJsonObject(1).getInteger("referrals")).isEqualTo(42);
    }
  }

  @Test
  @DisplayName("003: the default namespace with auth.token; a gateway send reaches it")
  void seed003() {
    try (NodeScript s = run("003", "seed-003")) {
      log(s, "Connected:");
      Http.post(node.httpPort(), "/api/gateway/send", SERVICE, new JsonObject().put("userId", "seed-003")
          .put("event", "notification").put("message", new JsonObject().put("title", "Order").put("message", "shipped")));
      assertThat(log(s, "Received notification:").getJsonArray("args").getJsonObject(1).getString("title")).isEqualTo("Order");
    }
  }

  @Test
  @DisplayName("002 MessagingService: sendMessage, typing and markAsRead as written; MESSAGE_BROADCAST and TYPING_INDICATOR arrive")
  void seed002Messaging() {
    String receiver = Tokens.user("seed-002-receiver");
    try (NodeScript s = NodeScript.start("seeds.js", Map.of("HERALD_URL", "http://127.0.0.1:" + node.httpPort(),
        "TOKEN", Tokens.user("seed-002-sender"), "TOKEN2", receiver, "RECEIVER_ID", "seed-002-receiver"), "002-messaging")) {
      JsonObject typing = log(s, "Typing indicator:").getJsonArray("args").getJsonObject(1);
      assertThat(typing.getString("userId")).isEqualTo("seed-002-sender");
      assertThat(typing.getBoolean("isTyping")).isTrue();
      JsonObject message = log(s, "New message:").getJsonArray("args").getJsonObject(1);
      assertThat(message.getString("content")).isEqualTo("Hello from the seed");
      assertThat(message.getString("senderId")).isEqualTo("seed-002-sender");
      long id = log(s, "sent").getJsonArray("args").getJsonObject(1).getLong("id");
      assertThat(message.getLong("id")).isEqualTo(id);
      JsonObject stopped = log(s, "Typing indicator:").getJsonArray("args").getJsonObject(1);
      assertThat(stopped.getBoolean("isTyping")).isFalse();
      JsonObject read = log(s, "read").getJsonArray("args").getJsonObject(1);
      assertThat(read.getLong("messageId")).isEqualTo(id);
      assertThat(read.getString("readerId")).isEqualTo("seed-002-receiver");
    }
  }

  @Test
  @DisplayName("004 typing_start / typing_stop in course:123 reach the other member as typing_indicator, start then stop")
  void seed004Typing() {
    try (NodeScript s = NodeScript.start("seeds.js", Map.of("HERALD_URL", "http://127.0.0.1:" + node.httpPort(),
        "TOKEN", Tokens.user("seed-004-typist", "course:*"), "TOKEN2", Tokens.user("seed-004-watcher", "course:*")), "004-typing")) {
      JsonObject start = log(s, "typing_indicator").getJsonArray("args").getJsonObject(1);
      assertThat(start.getString("userId")).isEqualTo("seed-004-typist");
      assertThat(start.getString("room")).isEqualTo("course:123");
      assertThat(start.getString("discussionId")).isEqualTo("discussion-456");
      assertThat(start.getBoolean("isTyping")).isTrue();
      JsonObject stop = log(s, "typing_indicator").getJsonArray("args").getJsonObject(1);
      assertThat(stop.getBoolean("isTyping")).as("the stop that came too soon is sent when the interval ends").isFalse();
    }
  }

  @Test
  @DisplayName("004: join_room course:123 and a room notification")
  void seed004() {
    try (NodeScript s = run("004", "seed-004")) {
      log(s, "Connected:");
      assertThat(log(s, "joined-room").getJsonArray("args").getJsonObject(1).getString("room")).isEqualTo("course:123");
    }
  }
}

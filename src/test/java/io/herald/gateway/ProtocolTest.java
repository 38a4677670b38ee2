package io.herald.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("/ws protocol: events, replies and errors")
class ProtocolTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static int port;

  @BeforeAll
  static void start() {
    HeraldNode node = nodes.start(Map.of(
        "rooms.open-prefixes", java.util.List.of("lobby"),
        "rooms.max-per-connection", 3,
        "ws.max-frame-bytes", 1024));
    port = node.httpPort();
  }

  @Test
  @DisplayName("connected carries userId, sessionId and timestamp")
  void connected() {
    try (TestSocket s = TestSocket.open(port, "/ws", "Authorization", "Bearer " + Tokens.user("u-conn"))) {
      JsonObject data = s.expect("connected").getJsonObject("data");
      assertThat(data.getString("userId")).isEqualTo("u-conn");
      assertThat(data.getString("sessionId")).isNotBlank();
      assertThat(data.getLong("timestamp")).isPositive();
    }
  }

  @Test
  @DisplayName("ping gets pong with a timestamp and the request id")
  void ping() {
    try (TestSocket s = TestSocket.connect(port, Tokens.user("u-ping"))) {
      s.send("ping", new JsonObject(), 7);
      JsonObject pong = s.expect("pong");
      assertThat(pong.getInteger("id")).isEqualTo(7);
      assertThat(pong.getJsonObject("data").getLong("timestamp")).isPositive();
      s.send("{\"event\":\"ping\",\"id\":\"abc\"}");
      assertThat(s.expect("pong").getString("id")).isEqualTo("abc");
    }
  }

  @Test
  @DisplayName("join-room and leave-room, and their underscore aliases")
  void joinLeave() {
    try (TestSocket s = TestSocket.connect(port, Tokens.user("u-join", "course:*"))) {
      JsonObject joined = s.request("join-room", new JsonObject().put("room", "course:1"));
      assertThat(joined.getString("event")).isEqualTo("joined-room");
      assertThat(joined.getJsonObject("data").getString("room")).isEqualTo("course:1");
      assertThat(s.request("join_room", new JsonObject().put("room", "course:2")).getString("event")).isEqualTo("joined-room");
      JsonObject left = s.request("leave-room", new JsonObject().put("room", "course:1"));
      assertThat(left.getString("event")).isEqualTo("left-room");
      assertThat(left.getJsonObject("data").getString("room")).isEqualTo("course:1");
      assertThat(s.request("leave_room", new JsonObject().put("room", "course:2")).getString("event")).isEqualTo("left-room");
    }
  }

  @Test
  @DisplayName("subscribe and unsubscribe join and leave dashboard channels as rooms")
  void subscribe() {
    try (TestSocket s = TestSocket.connect(port, Tokens.user("u-sub", "referrals", "announcements"))) {
      JsonObject sub = s.request("subscribe", new JsonObject().put("channels", new JsonArray().add("referrals").add("announcements")));
      assertThat(sub.getString("event")).isEqualTo("subscribed");
      assertThat(sub.getJsonObject("data").getJsonArray("channels")).containsExactly("referrals", "announcements");
      JsonObject unsub = s.request("unsubscribe", new JsonObject().put("channels", new JsonArray().add("referrals")));
      assertThat(unsub.getString("event")).isEqualTo("unsubscribed");
      assertThat(unsub.getJsonObject("data").getJsonArray("channels")).containsExactly("referrals");
      JsonObject forbidden = s.request("subscribe", new JsonObject().put("channels", new JsonArray().add("secret")));
      assertThat(forbidden.getJsonObject("data").getString("code")).isEqualTo("FORBIDDEN");
      JsonObject bad = s.request("subscribe", new JsonObject().put("channels", "referrals"));
      assertThat(bad.getJsonObject("data").getString("code")).isEqualTo("BAD_REQUEST");
    }
  }

  @Test
  @DisplayName("message is acknowledged with messageReceived")
  void message() {
    try (TestSocket s = TestSocket.connect(port, Tokens.user("u-msg"))) {
      JsonObject r = s.request("message", new JsonObject().put("message", "hello").put("data", new JsonObject().put("k", 1)));
      assertThat(r.getString("event")).isEqualTo("messageReceived");
      JsonObject data = r.getJsonObject("data");
      assertThat(data.getBoolean("success")).isTrue();
      assertThat(data.getString("message")).isEqualTo("Message received by server");
      assertThat(data.getJsonObject("data").getString("receivedMessage")).isEqualTo("hello");
      assertThat(data.getJsonObject("data").getLong("timestamp")).isPositive();
    }
  }

  @Test
  @DisplayName("bad frames get BAD_REQUEST and the connection stays open")
  void badFrames() {
    try (TestSocket s = TestSocket.connect(port, Tokens.user("u-bad"))) {
      s.send("not json");
      s.expectError("BAD_REQUEST");
      s.send("[1,2]");
      s.expectError("BAD_REQUEST");
      s.send("{\"data\":{},\"id\":5}");
      assertThat(s.expectError("BAD_REQUEST").getInteger("id")).isEqualTo(5);
      s.send("{\"event\":\"ping\",\"data\":\"x\",\"id\":6}");
      assertThat(s.expectError("BAD_REQUEST").getInteger("id")).isEqualTo(6);
      io.herald.test.Await.result(s.raw().writeBinaryMessage(Buffer.buffer(new byte[] {1, 2, 3})));
      s.expectError("BAD_REQUEST");
      s.send("ping", new JsonObject(), 1);
      assertThat(s.expect("pong").getInteger("id")).isEqualTo(1);
      assertThat(s.isClosed()).isFalse();
    }
  }

  @Test
  @DisplayName("unknown events get UNKNOWN_EVENT with the request id")
  void unknownEvent() {
    try (TestSocket s = TestSocket.connect(port, Tokens.user("u-unknown"))) {
      JsonObject r = s.request("fly", new JsonObject());
      assertThat(r.getString("event")).isEqualTo("error");
      assertThat(r.getJsonObject("data").getString("code")).isEqualTo("UNKNOWN_EVENT");
      assertThat(r.getJsonObject("data").getString("message")).contains("fly");
    }
  }

  @Test
  @DisplayName("a frame over the limit gets PAYLOAD_TOO_LARGE and the connection stays open")
  void tooLarge() {
    try (TestSocket s = TestSocket.connect(port, Tokens.user("u-large"))) {
      String big = "x".repeat(2000);
      s.send("message", new JsonObject().put("message", big), 9);
      s.expectError("PAYLOAD_TOO_LARGE");
      s.send("ping", new JsonObject(), 10);
      assertThat(s.expect("pong").getInteger("id")).isEqualTo(10);
    }
  }

  @Test
  @DisplayName("room policy: own user room, private pairs, open prefixes, token patterns")
  void roomPolicy() {
    try (TestSocket s = TestSocket.connect(port, Tokens.user("alice", "course:1*", "live-session:9"))) {
      assertThat(code(s.request("join-room", new JsonObject().put("room", "user:alice")))).isNull();
      assertThat(code(s.request("join-room", new JsonObject().put("room", "user:bob")))).isEqualTo("FORBIDDEN");
      assertThat(code(s.request("join-room", new JsonObject().put("room", "private:alice:bob")))).isNull();
      assertThat(code(s.request("join-room", new JsonObject().put("room", "private:bob:carol")))).isEqualTo("FORBIDDEN");
      assertThat(code(s.request("leave-room", new JsonObject().put("room", "private:alice:bob")))).isNull();
      assertThat(code(s.request("join-room", new JsonObject().put("room", "lobby:general")))).isNull();
      assertThat(code(s.request("leave-room", new JsonObject().put("room", "lobby:general")))).isNull();
      assertThat(code(s.request("join-room", new JsonObject().put("room", "course:123")))).isNull();
      assertThat(code(s.request("leave-room", new JsonObject().put("room", "course:123")))).isNull();
      assertThat(code(s.request("join-room", new JsonObject().put("room", "course:2")))).isEqualTo("FORBIDDEN");
      assertThat(code(s.request("join-room", new JsonObject().put("room", "live-session:9")))).isNull();
      assertThat(code(s.request("join-room", new JsonObject().put("room", "live-session:10")))).isEqualTo("FORBIDDEN");
      assertThat(code(s.request("join-room", new JsonObject().put("room", "bad room!")))).isEqualTo("BAD_REQUEST");
      assertThat(code(s.request("join-room", new JsonObject().put("room", "a".repeat(129))))).isEqualTo("BAD_REQUEST");
      assertThat(code(s.request("join-room", new JsonObject()))).isEqualTo("BAD_REQUEST");
      assertThat(code(s.request("leave-room", new JsonObject().put("room", "user:alice")))).isEqualTo("FORBIDDEN");
    }
  }

  @Test
  @DisplayName("at most rooms.max-per-connection rooms besides the personal one")
  void roomLimit() {
    try (TestSocket s = TestSocket.connect(port, Tokens.user("u-limit"))) {
      for (int i = 0; i < 3; i++) {
        assertThat(code(s.request("join-room", new JsonObject().put("room", "lobby:" + i)))).isNull();
      }
      assertThat(code(s.request("join-room", new JsonObject().put("room", "lobby:3")))).isEqualTo("TOO_MANY_ROOMS");
      assertThat(code(s.request("join-room", new JsonObject().put("room", "lobby:0")))).isNull();
      s.request("leave-room", new JsonObject().put("room", "lobby:0"));
      assertThat(code(s.request("join-room", new JsonObject().put("room", "lobby:3")))).isNull();
      assertThat(code(s.request("subscribe", new JsonObject().put("channels", new JsonArray().add("lobby:4"))))).isEqualTo("TOO_MANY_ROOMS");
    }
  }

  @Test
  @DisplayName("an auth frame after authentication is a BAD_REQUEST")
  void secondAuth() {
    try (TestSocket s = TestSocket.connect(port, Tokens.user("u-auth2"))) {
      assertThat(code(s.request("auth", new JsonObject().put("token", Tokens.user("u-auth2"))))).isEqualTo("BAD_REQUEST");
    }
  }

  static String code(JsonObject reply) {
    return "error".equals(reply.getString("event")) ? reply.getJsonObject("data").getString("code") : null;
  }
}

package io.herald.messaging;

import static io.herald.messaging.DirectMessageTest.code;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Typing indicators and client events in rooms, across two nodes. */
@DisplayName("typing and client room events")
class TypingAndPublishTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode a;
  static HeraldNode b;
  static final Map<String, Object> CONFIG = Map.of(
      "typing.interval-ms", 300,
      "typing.timeout-ms", 1500,
      "rooms.client-publish-prefixes", List.of("course", "live-session"));

  @BeforeAll
  static void start() {
    a = nodes.start(CONFIG);
    b = nodes.start(CONFIG);
  }

  static JsonObject typing(String to, boolean on) {
    return new JsonObject().put("receiverId", to).put("isTyping", on);
  }

  @Test
  @DisplayName("typing to a user: repeated starts become one typing:start, the stop follows, nothing else")
  void typingToUser() {
    try (TestSocket kim = TestSocket.connect(a.httpPort(), Tokens.user("ty-kim"));
        TestSocket lee = TestSocket.connect(b.httpPort(), Tokens.user("ty-lee"))) {
      for (int i = 0; i < 5; i++) {
        kim.send("typing", typing("ty-lee", true), null);
      }
      kim.send("typing", typing("ty-lee", false), null);
      JsonObject start = lee.next();
      assertThat(start.getString("event")).isEqualTo("typing:start");
      assertThat(start.getJsonObject("data").getString("userId")).isEqualTo("ty-kim");
      assertThat(start.getJsonObject("data").getString("conversationId")).isEqualTo("private:ty-kim:ty-lee");
      JsonObject stop = lee.next();
      assertThat(stop.getString("event")).as("the extra starts were dropped").isEqualTo("typing:stop");
      assertThat(stop.getJsonObject("data").getBoolean("isTyping")).isFalse();
      assertThat(code(kim.request("typing", new JsonObject().put("receiverId", "ty-lee")))).isEqualTo("BAD_REQUEST");
    }
  }

  @Test
  @DisplayName("a start with no stop ends by itself after typing.timeout-ms, and a closing typist's start ends with it")
  void typingExpires() {
    try (TestSocket lee = TestSocket.connect(b.httpPort(), Tokens.user("tx-lee"))) {
      try (TestSocket kim = TestSocket.connect(a.httpPort(), Tokens.user("tx-kim"))) {
        kim.send("typing", typing("tx-lee", true), null);
        assertThat(lee.next().getString("event")).isEqualTo("typing:start");
        long started = System.nanoTime();
        assertThat(lee.next().getString("event")).isEqualTo("typing:stop");
        assertThat((System.nanoTime() - started) / 1_000_000).as("not before the timeout").isGreaterThanOrEqualTo(1000);
      }
      try (TestSocket kim = TestSocket.connect(a.httpPort(), Tokens.user("tx-kim"))) {
        kim.send("typing", typing("tx-lee", true), null);
        assertThat(lee.next().getString("event")).isEqualTo("typing:start");
      }
      assertThat(lee.next().getString("event")).as("the session closed while typing").isEqualTo("typing:stop");
    }
  }

  @Test
  @DisplayName("typing in a room reaches the other members as typing_indicator, never the typist; non-members get FORBIDDEN")
  void typingInRoom() {
    try (TestSocket kim = TestSocket.connect(a.httpPort(), Tokens.user("tr-kim", "course:*"));
        TestSocket lee = TestSocket.connect(b.httpPort(), Tokens.user("tr-lee", "course:*"));
        TestSocket outsider = TestSocket.connect(b.httpPort(), Tokens.user("tr-out", "course:*"))) {
      kim.request("join-room", new JsonObject().put("room", "course:7"));
      lee.request("join-room", new JsonObject().put("room", "course:7"));
      kim.send("typing_start", new JsonObject().put("room", "course:7").put("discussionId", "d-1"), null);
      JsonObject f = lee.expect("typing_indicator");
      assertThat(f.getString("room")).isEqualTo("course:7");
      assertThat(f.getJsonObject("data")).isEqualTo(new JsonObject().put("userId", "tr-kim").put("room", "course:7")
          .put("discussionId", "d-1").put("isTyping", true));
      lee.request("publish", new JsonObject().put("room", "course:7").put("event", "discussion_message").put("data", "after"));
      assertThat(kim.next().getString("event")).as("kim never saw its own typing").isEqualTo("discussion_message");
      assertThat(code(outsider.request("typing_start", new JsonObject().put("room", "course:7")))).isEqualTo("FORBIDDEN");
    }
  }

  @Test
  @DisplayName("publish: members get {event, room, data, from}; the publisher's other sessions too, not the publishing one")
  void publish() {
    try (TestSocket kim = TestSocket.connect(a.httpPort(), Tokens.user("pb-kim", "course:*", "team:*"));
        TestSocket kim2 = TestSocket.connect(b.httpPort(), Tokens.user("pb-kim", "course:*"));
        TestSocket lee = TestSocket.connect(b.httpPort(), Tokens.user("pb-lee", "course:*"))) {
      for (TestSocket s : List.of(kim, kim2, lee)) {
        s.request("join-room", new JsonObject().put("room", "course:8"));
      }
      JsonObject data = new JsonObject().put("id", "msg-456").put("content", "Great question!").put("from", "someone-else");
      JsonObject reply = kim.request("publish", new JsonObject().put("room", "course:8").put("event", "discussion_message")
          .put("data", data));
      assertThat(reply.getString("event")).isEqualTo("published");
      for (TestSocket s : List.of(lee, kim2)) {
        JsonObject f = s.expect("discussion_message");
        assertThat(f.getString("room")).isEqualTo("course:8");
        assertThat(f.getString("from")).as("set by the server, whatever the data says").isEqualTo("pb-kim");
        assertThat(f.getJsonObject("data")).isEqualTo(data);
      }
      lee.request("publish", new JsonObject().put("room", "course:8").put("event", "discussion_reaction").put("data", "+1"));
      assertThat(kim.next().getString("event")).as("kim's own publish did not come back").isEqualTo("discussion_reaction");

      kim.request("join-room", new JsonObject().put("room", "team:1"));
      assertThat(code(kim.request("publish", new JsonObject().put("room", "team:1").put("event", "x"))))
          .as("team is not in rooms.client-publish-prefixes").isEqualTo("FORBIDDEN");
      for (String reserved : List.of("notification", "message:new", "error", "MESSAGE_BROADCAST", "user_status")) {
        assertThat(code(kim.request("publish", new JsonObject().put("room", "course:8").put("event", reserved))))
            .as(reserved).isEqualTo("FORBIDDEN");
      }
      assertThat(code(kim.request("publish", new JsonObject().put("room", "course:8").put("event", "bad name!"))))
          .isEqualTo("BAD_REQUEST");
      assertThat(code(kim.request("publish", new JsonObject().put("room", "course:9").put("event", "x"))))
          .as("not a member").isEqualTo("FORBIDDEN");
      assertThat(code(kim.request("publish", new JsonObject().put("room", "user:pb-lee").put("event", "x"))))
          .isEqualTo("FORBIDDEN");
    }
  }
}

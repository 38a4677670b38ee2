package io.herald.messaging;

import static io.herald.messaging.DirectMessageTest.code;
import static io.herald.messaging.DirectMessageTest.dm;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** messaging.policy: one node of the cluster runs 'claim', the other 'shared-room'. */
@DisplayName("who may message whom")
class MessagingPolicyTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode claim;
  static HeraldNode sharedRoom;

  @BeforeAll
  static void start() {
    claim = nodes.start(Map.of("messaging.policy", "claim"));
    sharedRoom = nodes.start(Map.of("messaging.policy", "shared-room"));
  }

  @Test
  @DisplayName("claim: only users the token's dm claim lists (ids or patterns); others get FORBIDDEN, typing too")
  void claimPolicy() {
    String token = Tokens.sign(new JsonObject().put("sub", "cp-sender").put("dm", new JsonArray().add("team-*").add("cp-boss")), 3600);
    try (TestSocket sender = TestSocket.connect(claim.httpPort(), token)) {
      assertThat(sender.request("sendMessage", dm("team-7", "hi", null)).getString("event")).isEqualTo("message:sent");
      assertThat(sender.request("sendMessage", dm("cp-boss", "hi", null)).getString("event")).isEqualTo("message:sent");
      JsonObject refused = sender.request("sendMessage", dm("cp-stranger", "hi", null));
      assertThat(code(refused)).isEqualTo("FORBIDDEN");
      assertThat(refused.getJsonObject("data").getString("message")).contains("'dm' claim");
      assertThat(code(sender.request("typing", new JsonObject().put("receiverId", "cp-stranger").put("isTyping", true))))
          .isEqualTo("FORBIDDEN");
    }
  }

  @Test
  @DisplayName("shared-room: only a user who is in one of the sender's rooms right now, wherever they are connected")
  void sharedRoomPolicy() {
    try (TestSocket receiver = TestSocket.connect(claim.httpPort(), Tokens.user("sr-receiver", "course:*"));
        TestSocket sender = TestSocket.connect(sharedRoom.httpPort(), Tokens.user("sr-sender", "course:*"))) {
      receiver.request("join-room", new JsonObject().put("room", "course:5"));
      assertThat(code(sender.request("sendMessage", dm("sr-receiver", "hi", null)))).isEqualTo("FORBIDDEN");
      sender.request("join-room", new JsonObject().put("room", "course:6"));
      assertThat(code(sender.request("sendMessage", dm("sr-receiver", "hi", null)))).isEqualTo("FORBIDDEN");
      sender.request("join-room", new JsonObject().put("room", "course:5"));
      assertThat(sender.request("sendMessage", dm("sr-receiver", "hi", null)).getString("event")).isEqualTo("message:sent");
      assertThat(receiver.expect("message:new").getJsonObject("data").getString("content")).isEqualTo("hi");
    }
  }
}

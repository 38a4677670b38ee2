package io.herald.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Direct messages through /ws, with the sender and the receiver on different nodes. */
@DisplayName("direct messages across two nodes")
class DirectMessageTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode a;
  static HeraldNode b;

  @BeforeAll
  static void start() {
    a = nodes.start();
    b = nodes.start();
  }

  static JsonObject dm(String to, String content, String clientId) {
    JsonObject d = new JsonObject().put("receiverId", to).put("content", content);
    return clientId == null ? d : d.put("clientMessageId", clientId);
  }

  @Test
  @DisplayName("the sender gets message:sent, every session of the receiver and the sender's other sessions get message:new, the sending session does not")
  void sendAcrossNodes() {
    try (TestSocket alice1 = TestSocket.connect(a.httpPort(), Tokens.user("dm-alice"));
        TestSocket alice2 = TestSocket.connect(b.httpPort(), Tokens.user("dm-alice"));
        TestSocket bob = TestSocket.connect(b.httpPort(), Tokens.user("dm-bob"))) {
      JsonObject sent = alice1.request("sendMessage", dm("dm-bob", "hello bob", "c-1"));
      assertThat(sent.getString("event")).isEqualTo("message:sent");
      JsonObject receipt = sent.getJsonObject("data");
      long id = receipt.getLong("id");
      assertThat(receipt.getString("clientMessageId")).isEqualTo("c-1");
      assertThat(receipt.getString("conversationId")).isEqualTo("private:dm-alice:dm-bob");
      assertThat(receipt.getLong("timestamp")).isPositive();

      JsonObject received = bob.expect("message:new");
      JsonObject m = received.getJsonObject("data");
      assertThat(m.getLong("id")).isEqualTo(id);
      assertThat(m.getString("senderId")).isEqualTo("dm-alice");
      assertThat(m.getString("receiverId")).isEqualTo("dm-bob");
      assertThat(m.getString("content")).isEqualTo("hello bob");
      assertThat(m.getString("conversationId")).isEqualTo("private:dm-alice:dm-bob");
      assertThat(m.getLong("timestamp")).isEqualTo(receipt.getLong("timestamp"));
      assertThat(received.getLong("notificationId")).as("the replay cursor").isPositive();
      assertThat(alice2.expect("message:new").getJsonObject("data").getLong("id")).isEqualTo(id);

      // bob answers; alice1's next message:new must be that answer, not a copy of her own message
      bob.request("sendMessage", dm("dm-alice", "hi alice", null));
      JsonObject answer = alice1.expect("message:new").getJsonObject("data");
      assertThat(answer.getString("content")).isEqualTo("hi alice");
      assertThat(answer.containsKey("clientMessageId")).isFalse();
    }
  }

  @Test
  @DisplayName("a repeated clientMessageId is stored and delivered once, also when the sender reconnects to the other node")
  void duplicates() {
    try (TestSocket bob = TestSocket.connect(b.httpPort(), Tokens.user("dup-bob"))) {
      long first;
      try (TestSocket alice = TestSocket.connect(a.httpPort(), Tokens.user("dup-alice"))) {
        first = alice.request("sendMessage", dm("dup-bob", "once", "same")).getJsonObject("data").getLong("id");
        JsonObject again = alice.request("sendMessage", dm("dup-bob", "once", "same"));
        assertThat(again.getString("event")).isEqualTo("message:sent");
        assertThat(again.getJsonObject("data").getLong("id")).isEqualTo(first);
      }
      try (TestSocket aliceOnB = TestSocket.connect(b.httpPort(), Tokens.user("dup-alice"))) {
        JsonObject third = aliceOnB.request("sendMessage", dm("dup-bob", "once", "same"));
        assertThat(third.getJsonObject("data").getLong("id")).isEqualTo(first);
        aliceOnB.request("sendMessage", dm("dup-bob", "next", "other"));
      }
      assertThat(bob.expect("message:new").getJsonObject("data").getLong("id")).isEqualTo(first);
      assertThat(bob.expect("message:new").getJsonObject("data").getString("content"))
          .as("the repeats were not delivered").isEqualTo("next");
      JsonObject history = bob.request("get-messages", new JsonObject().put("with", "dup-alice")).getJsonObject("data");
      assertThat(history.getJsonArray("items")).hasSize(2);
    }
  }

  @Test
  @DisplayName("history pages newest first; conversations list the last message and the unread count; markAsRead moves both and tells the sender")
  void historyConversationsAndReceipts() {
    try (TestSocket carol = TestSocket.connect(a.httpPort(), Tokens.user("hc-carol"));
        TestSocket dave = TestSocket.connect(b.httpPort(), Tokens.user("hc-dave"));
        TestSocket dave2 = TestSocket.connect(a.httpPort(), Tokens.user("hc-dave"))) {
      long last = 0;
      for (int i = 1; i <= 5; i++) {
        last = carol.request("sendMessage", dm("hc-dave", "m" + i, null)).getJsonObject("data").getLong("id");
      }
      carol.request("sendMessage", dm("hc-erin", "to erin", null));

      JsonObject page1 = dave.request("get-messages", new JsonObject().put("with", "hc-carol").put("limit", 3)).getJsonObject("data");
      assertThat(page1.getJsonArray("items").stream().map(o -> ((JsonObject) o).getString("content")))
          .containsExactly("m5", "m4", "m3");
      JsonObject page2 = dave.request("get-messages", new JsonObject().put("with", "hc-carol").put("limit", 3)
          .put("before", page1.getLong("nextBefore"))).getJsonObject("data");
      assertThat(page2.getJsonArray("items").stream().map(o -> ((JsonObject) o).getString("content")))
          .containsExactly("m2", "m1");
      assertThat(page2.getLong("nextBefore")).isNull();

      JsonArray convs = dave.request("get-conversations", new JsonObject()).getJsonObject("data").getJsonArray("items");
      assertThat(convs).hasSize(1);
      JsonObject conv = convs.getJsonObject(0);
      assertThat(conv.getString("conversationId")).isEqualTo("private:hc-carol:hc-dave");
      assertThat(conv.getString("userId")).isEqualTo("hc-carol");
      assertThat(conv.getLong("unread")).isEqualTo(5);
      assertThat(conv.getJsonObject("lastMessage").getString("content")).isEqualTo("m5");
      assertThat(carol.request("get-conversations", new JsonObject()).getJsonObject("data").getJsonArray("items"))
          .as("carol has two conversations, the newest first").hasSize(2)
          .first().satisfies(o -> assertThat(((JsonObject) o).getString("userId")).isEqualTo("hc-erin"));

      // the seeds' client sends the id as a string
      JsonObject marked = dave.request("markAsRead", new JsonObject().put("messageId", String.valueOf(last - 2)));
      assertThat(marked.getString("event")).isEqualTo("message:marked-read");
      assertThat(marked.getJsonObject("data").getLong("unread")).isEqualTo(2);
      JsonObject read = carol.expect("message:read").getJsonObject("data");
      assertThat(read.getLong("messageId")).isEqualTo(last - 2);
      assertThat(read.getString("readerId")).isEqualTo("hc-dave");
      assertThat(read.getString("conversationId")).isEqualTo("private:hc-carol:hc-dave");
      assertThat(dave2.expect("conversation:unread").getJsonObject("data").getLong("unread")).isEqualTo(2);

      JsonObject all = dave.request("markAsRead", new JsonObject().put("conversationId", "private:hc-carol:hc-dave"));
      assertThat(all.getJsonObject("data").getLong("unread")).isZero();
      assertThat(all.getJsonObject("data").getLong("readUpTo")).isEqualTo(last);
      assertThat(carol.expect("message:read").getJsonObject("data").getLong("messageId")).isEqualTo(last);
      JsonObject peer = carol.request("get-conversations", new JsonObject()).getJsonObject("data").getJsonArray("items")
          .getJsonObject(1);
      assertThat(peer.getLong("peerReadUpTo")).isEqualTo(last);

      assertThat(code(carol.request("markAsRead", new JsonObject().put("messageId", last))))
          .as("carol sent it; she cannot mark it read").isEqualTo("NOT_FOUND");
    }
  }

  @Test
  @DisplayName("a receiver who reconnects with its cursor gets the messages sent meanwhile, in order, once")
  void replayAfterReconnect() {
    long cursor;
    try (TestSocket erin = TestSocket.connect(b.httpPort(), Tokens.user("rp-erin"));
        TestSocket fred = TestSocket.connect(a.httpPort(), Tokens.user("rp-fred"))) {
      fred.request("sendMessage", dm("rp-erin", "before", null));
      cursor = erin.expect("message:new").getLong("notificationId");
    }
    try (TestSocket fred = TestSocket.connect(b.httpPort(), Tokens.user("rp-fred"))) {
      fred.request("sendMessage", dm("rp-erin", "while away 1", null));
      fred.request("sendMessage", dm("rp-erin", "while away 2", null));
    }
    try (TestSocket erin = TestSocket.open(a.httpPort(), "/ws?lastNotificationId=" + cursor,
        "Authorization", "Bearer " + Tokens.user("rp-erin"))) {
      erin.expect("connected");
      assertThat(erin.next().getJsonObject("data").getString("content")).isEqualTo("while away 1");
      assertThat(erin.next().getJsonObject("data").getString("content")).isEqualTo("while away 2");
      assertThat(erin.next().getString("event")).isEqualTo("unread_count");
    }
  }

  @Test
  @DisplayName("a block refuses messages and typing both ways with FORBIDDEN; unblocking lets them through")
  void blocks() {
    try (TestSocket gina = TestSocket.connect(a.httpPort(), Tokens.user("bl-gina"));
        TestSocket hank = TestSocket.connect(b.httpPort(), Tokens.user("bl-hank"))) {
      JsonObject blocked = gina.request("block-user", new JsonObject().put("userId", "bl-hank"));
      assertThat(blocked.getString("event")).isEqualTo("blocked");
      assertThat(blocked.getJsonObject("data").getBoolean("changed")).isTrue();
      hank.request("sendMessage", dm("bl-gina", "let me in", null));
      assertThat(hank.request("sendMessage", dm("bl-gina", "let me in", null)).getJsonObject("data").getString("code"))
          .isEqualTo("FORBIDDEN");
      assertThat(gina.request("sendMessage", dm("bl-hank", "you neither", null)).getJsonObject("data").getString("code"))
          .isEqualTo("FORBIDDEN");
      assertThat(hank.request("typing", new JsonObject().put("receiverId", "bl-gina").put("isTyping", true))
          .getJsonObject("data").getString("code")).isEqualTo("FORBIDDEN");

      assertThat(gina.request("unblock-user", new JsonObject().put("userId", "bl-hank")).getString("event")).isEqualTo("unblocked");
      assertThat(hank.request("sendMessage", dm("bl-gina", "thanks", null)).getString("event")).isEqualTo("message:sent");
      assertThat(gina.expect("message:new").getJsonObject("data").getString("content")).isEqualTo("thanks");
    }
  }

  @Test
  @DisplayName("bad messages get BAD_REQUEST naming the field, and nothing is stored")
  void badInput() {
    try (TestSocket ivy = TestSocket.connect(a.httpPort(), Tokens.user("bad-ivy"))) {
      assertThat(code(ivy.request("sendMessage", new JsonObject().put("content", "x")))).isEqualTo("BAD_REQUEST");
      assertThat(code(ivy.request("sendMessage", dm("bad-ivy", "me", null)))).isEqualTo("BAD_REQUEST");
      assertThat(code(ivy.request("sendMessage", new JsonObject().put("receiverId", "bad-jo")))).isEqualTo("BAD_REQUEST");
      assertThat(code(ivy.request("sendMessage", dm("bad-jo", "x".repeat(10_001), null)))).isEqualTo("BAD_REQUEST");
      assertThat(code(ivy.request("sendMessage", dm("bad-jo", "x", "c".repeat(129))))).isEqualTo("BAD_REQUEST");
      // PostgreSQL cannot store NUL: refused as bad input, not an internal error
      assertThat(code(ivy.request("sendMessage", dm("bad-jo", "a\u0000b", null)))).isEqualTo("BAD_REQUEST");
      assertThat(code(ivy.request("markAsRead", new JsonObject().put("messageId", "abc")))).isEqualTo("BAD_REQUEST");
      assertThat(code(ivy.request("markAsRead", new JsonObject().put("conversationId", "private:x:y")))).isEqualTo("NOT_FOUND");
      assertThat(ivy.request("get-conversations", new JsonObject()).getJsonObject("data").getJsonArray("items")).isEmpty();
    }
  }

  static String code(JsonObject errorFrame) {
    assertThat(errorFrame.getString("event")).isEqualTo("error");
    return errorFrame.getJsonObject("data").getString("code");
  }
}

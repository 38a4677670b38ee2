package io.herald.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.protocol.ServerFrame;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("NodeMessageCodec: frames between nodes")
class NodeMessageCodecTest {
  private final NodeMessageCodec codec = new NodeMessageCodec();

  private NodeMessage roundTrip(NodeMessage m) {
    Buffer b = Buffer.buffer().appendString("head");
    codec.encodeToWire(b, m);
    return codec.decodeFromWire(4, b);
  }

  @Test
  @DisplayName("rooms, namespace and frames (room, stored id, UTF-8 data) arrive as they were sent")
  void roundTrips() {
    ServerFrame stored = ServerFrame.stored("notification", new JsonObject().put("title", "Grüße ✓"), 12);
    ServerFrame room = ServerFrame.toRoom("chat", "plain", "course:ü");
    NodeMessage out = roundTrip(NodeMessage.toRooms(List.of("user:1", "course:ü"), List.of(stored, room), "/chat"));
    assertThat(out.rooms()).containsExactly("user:1", "course:ü");
    assertThat(out.namespace()).isEqualTo("/chat");
    assertThat(out.frames()).hasSize(2);
    assertThat(out.frames().get(0).json()).isEqualTo(stored.json());
    assertThat(out.frames().get(0).notificationId()).isEqualTo(12);
    assertThat(out.frames().get(1).json()).isEqualTo(room.json());
    assertThat(out.frames().get(1).room()).isEqualTo("course:ü");
  }

  @Test
  @DisplayName("a member's room event keeps its publisher, history id and exclusions across nodes")
  void memberEvents() {
    java.util.UUID sender = java.util.UUID.randomUUID();
    ServerFrame sent = ServerFrame.roomEvent("discussion_message", "hi", "course:1", "alice", 812).except(sender.toString(), "bob");
    ServerFrame got = roundTrip(NodeMessage.toRooms(List.of("course:1"), List.of(sent), null)).frames().get(0);
    assertThat(got.from()).isEqualTo("alice");
    assertThat(got.roomEventId()).isEqualTo(812);
    assertThat(got.exceptUser()).isEqualTo("bob");
    assertThat(got.skipsSession(sender.getMostSignificantBits(), sender.getLeastSignificantBits())).isTrue();
    assertThat(got.skipsSession(sender.getMostSignificantBits(), sender.getLeastSignificantBits() + 1)).isFalse();
    assertThat(ServerFrame.event("e", 1).skipsSession(0, 0)).as("no exclusion").isFalse();
    assertThat(got.json()).isEqualTo("{\"event\":\"discussion_message\",\"data\":\"hi\",\"room\":\"course:1\","
        + "\"from\":\"alice\",\"roomEventId\":812}");
  }

  @Test
  @DisplayName("a broadcast has no rooms and no namespace")
  void broadcast() {
    NodeMessage out = roundTrip(NodeMessage.toAll(ServerFrame.event("e", null), null));
    assertThat(out.broadcast()).isTrue();
    assertThat(out.namespace()).isNull();
    assertThat(out.frames().get(0).data()).isNull();
  }

  @Test
  @DisplayName("within a node the message is passed as it is")
  void local() {
    NodeMessage m = NodeMessage.toAll(ServerFrame.event("e", 1), null);
    assertThat(codec.transform(m)).isSameAs(m);
  }

  @Test
  @DisplayName("a reply is never routed between nodes")
  void noReplies() {
    NodeMessage m = NodeMessage.toAll(ServerFrame.reply("e", 1, 5), null);
    assertThatThrownBy(() -> codec.encodeToWire(Buffer.buffer(), m)).isInstanceOf(IllegalArgumentException.class);
  }
}

package io.herald.routing;

import io.herald.protocol.ServerFrame;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The one codec of node-to-node messages. Within a node a {@link NodeMessage} is passed as it is;
 * between nodes each frame travels as its event, data (JSON text, as the producer's node encoded
 * it), room and notification id, so the receiving node parses no JSON to deliver it.
 *
 * <p>Layout: rooms (count, -1 for a broadcast, then strings), namespace, frame count, then per frame
 * event, data, room, notification id, from, room event id, the excluded session and the excluded user. A string is its UTF-8 length (-1 for null) and bytes.
 */
public final class NodeMessageCodec implements MessageCodec<NodeMessage, NodeMessage> {
  public static final String NAME = "herald.node-message";

  @Override
  public void encodeToWire(Buffer buffer, NodeMessage m) {
    if (m.rooms() == null) {
      buffer.appendInt(-1);
    } else {
      buffer.appendInt(m.rooms().size());
      m.rooms().forEach(r -> string(buffer, r));
    }
    string(buffer, m.namespace());
    buffer.appendInt(m.frames().size());
    for (ServerFrame f : m.frames()) {
      if (f.requestId() != null) {
        throw new IllegalArgumentException("a reply is never routed between nodes");
      }
      string(buffer, f.event());
      string(buffer, f.dataJson());
      string(buffer, f.room());
      buffer.appendLong(f.notificationId());
      string(buffer, f.from());
      buffer.appendLong(f.roomEventId());
      string(buffer, f.exceptSession());
      string(buffer, f.exceptUser());
    }
  }

  @Override
  public NodeMessage decodeFromWire(int pos, Buffer buffer) {
    int[] at = {pos};
    int roomCount = buffer.getInt(at[0]);
    at[0] += 4;
    List<String> rooms = null;
    if (roomCount >= 0) {
      rooms = new ArrayList<>(roomCount);
      for (int i = 0; i < roomCount; i++) {
        rooms.add(string(buffer, at));
      }
    }
    String namespace = string(buffer, at);
    int frameCount = buffer.getInt(at[0]);
    at[0] += 4;
    List<ServerFrame> frames = new ArrayList<>(frameCount);
    for (int i = 0; i < frameCount; i++) {
      String event = string(buffer, at);
      String data = string(buffer, at);
      String room = string(buffer, at);
      long notificationId = buffer.getLong(at[0]);
      at[0] += 8;
      String from = string(buffer, at);
      long roomEventId = buffer.getLong(at[0]);
      at[0] += 8;
      String exceptSession = string(buffer, at);
      String exceptUser = string(buffer, at);
      frames.add(ServerFrame.ofEncodedData(event, data, room, notificationId, from, roomEventId, exceptSession, exceptUser));
    }
    return new NodeMessage(rooms, frames, namespace);
  }

  @Override
  public NodeMessage transform(NodeMessage m) {
    return m; // immutable: shared as it is within the node
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }

  private static void string(Buffer buffer, String s) {
    if (s == null) {
      buffer.appendInt(-1);
      return;
    }
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    buffer.appendInt(bytes.length).appendBytes(bytes);
  }

  private static String string(Buffer buffer, int[] at) {
    int length = buffer.getInt(at[0]);
    at[0] += 4;
    if (length < 0) {
      return null;
    }
    String s = buffer.getString(at[0], at[0] + length, "UTF-8");
    at[0] += length;
    return s;
  }
}

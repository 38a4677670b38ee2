package io.herald.routing;

import io.herald.protocol.ServerFrame;
import java.util.List;

/**
 * What one node sends another to deliver: frames for the local members of some rooms (or for every
 * session of the node, a broadcast), restricted to one Socket.IO namespace when {@code namespace}
 * is not null. The frames are the ones the producer's node built; {@link NodeMessageCodec} carries
 * them between nodes without re-encoding their data, and within a node as they are.
 *
 * @param rooms the target rooms, or null for every session of the node
 */
public record NodeMessage(List<String> rooms, List<ServerFrame> frames, String namespace) {

  public static NodeMessage toRooms(List<String> rooms, List<ServerFrame> frames, String namespace) {
    return new NodeMessage(List.copyOf(rooms), List.copyOf(frames), namespace);
  }

  public static NodeMessage toAll(ServerFrame frame, String namespace) {
    return new NodeMessage(null, List.of(frame), namespace);
  }

  public boolean broadcast() {
    return rooms == null;
  }
}

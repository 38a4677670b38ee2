package io.herald.room;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.multimap.MultiMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link RoomDirectory} in two Hazelcast multimaps with set semantics: {@code herald.rooms} (room ->
 * node ids) for routing, and {@code herald.node-rooms} (node id -> rooms) so a departed node's
 * entries are found without scanning every room.
 *
 * <p>Only built-in operations are used (no entry processors or other Herald classes run inside
 * Hazelcast), so any member can hold these partitions, including a producer's clustered Vert.x
 * that does not have Herald on its classpath. Hazelcast's multimap API is synchronous: every call
 * runs on a worker thread, never on an event loop.
 */
public final class HazelcastRoomDirectory implements RoomDirectory {
  public static final String ROOMS = "herald.rooms";
  public static final String NODE_ROOMS = "herald.node-rooms";

  private final Vertx vertx;
  private final MultiMap<String, String> rooms;
  private final MultiMap<String, String> nodeRooms;

  public HazelcastRoomDirectory(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.rooms = hazelcast.getMultiMap(ROOMS);
    this.nodeRooms = hazelcast.getMultiMap(NODE_ROOMS);
  }

  @Override
  public Future<Void> add(String room, String nodeId) {
    return blocking(() -> {
      nodeRooms.put(nodeId, room);
      rooms.put(room, nodeId);
      return null;
    });
  }

  @Override
  public Future<Void> addAll(Collection<String> roomNames, String nodeId) {
    if (roomNames.isEmpty()) {
      return Future.succeededFuture();
    }
    List<String> copy = List.copyOf(roomNames);
    return blocking(() -> {
      for (String room : copy) {
        nodeRooms.put(nodeId, room);
        rooms.put(room, nodeId);
      }
      return null;
    });
  }

  @Override
  public Future<Void> remove(String room, String nodeId) {
    return blocking(() -> {
      rooms.remove(room, nodeId);
      nodeRooms.remove(nodeId, room);
      return null;
    });
  }

  @Override
  public Future<Set<String>> nodes(String room) {
    return blocking(() -> new HashSet<>(rooms.get(room)));
  }

  @Override
  public Future<Map<String, Set<String>>> nodes(Collection<String> roomNames) {
    Set<String> keys = new HashSet<>(roomNames);
    return blocking(() -> {
      Map<String, Set<String>> out = new HashMap<>();
      for (String k : keys) {
        Collection<String> nodes = rooms.get(k);
        if (!nodes.isEmpty()) {
          out.put(k, new HashSet<>(nodes));
        }
      }
      return out;
    });
  }

  @Override
  public Future<List<String>> rooms() {
    return blocking(() -> new ArrayList<>(rooms.keySet()));
  }

  @Override
  public Future<Void> purgeNode(String nodeId) {
    return blocking(() -> {
      for (String room : nodeRooms.remove(nodeId)) {
        rooms.remove(room, nodeId);
      }
      return null;
    });
  }

  private <T> Future<T> blocking(java.util.concurrent.Callable<T> op) {
    return vertx.executeBlocking(op, false);
  }
}

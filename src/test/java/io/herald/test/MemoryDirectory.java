package io.herald.test;

import io.herald.room.RoomDirectory;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link RoomDirectory} in memory, for unit tests of one node's room index and sessions. */
public final class MemoryDirectory implements RoomDirectory {
  private final Map<String, Set<String>> rooms = new ConcurrentHashMap<>();

  @Override
  public Future<Void> add(String room, String nodeId) {
    rooms.computeIfAbsent(room, k -> ConcurrentHashMap.newKeySet()).add(nodeId);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> remove(String room, String nodeId) {
    rooms.computeIfPresent(room, (k, nodes) -> {
      nodes.remove(nodeId);
      return nodes.isEmpty() ? null : nodes;
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> addAll(Collection<String> roomNames, String nodeId) {
    roomNames.forEach(r -> add(r, nodeId));
    return Future.succeededFuture();
  }

  @Override
  public Future<Set<String>> nodes(String room) {
    return Future.succeededFuture(new HashSet<>(rooms.getOrDefault(room, Set.of())));
  }

  @Override
  public Future<Map<String, Set<String>>> nodes(Collection<String> roomNames) {
    Map<String, Set<String>> out = new HashMap<>();
    for (String r : roomNames) {
      Set<String> nodes = rooms.get(r);
      if (nodes != null && !nodes.isEmpty()) {
        out.put(r, new HashSet<>(nodes));
      }
    }
    return Future.succeededFuture(out);
  }

  @Override
  public Future<List<String>> rooms() {
    return Future.succeededFuture(new ArrayList<>(rooms.keySet()));
  }

  @Override
  public Future<Void> purgeNode(String nodeId) {
    rooms.keySet().forEach(r -> remove(r, nodeId));
    return Future.succeededFuture();
  }

  /** Whether {@code room} is listed for any node. */
  public boolean lists(String room) {
    return rooms.containsKey(room);
  }
}

package io.herald.room;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.multimap.MultiMap;
import io.herald.cluster.UserConnections;
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
 * {@link RoomDirectory} in Hazelcast: {@code herald.rooms}, an IMap room -> the ids of the nodes
 * holding it, comma-separated in one String, for routing; and {@code herald.node-rooms}, a MultiMap
 * (set) node id -> rooms, so a departed node's entries are found without scanning every room.
 *
 * <p>A room's node list changes by compare-and-set ({@code putIfAbsent}, {@code replace(key, old,
 * new)}, {@code remove(key, old)}), so concurrent adds and removes from several nodes never
 * overwrite each other, and adding a listed node or removing an unlisted one changes nothing. One
 * IMap entry per room costs the cluster far less than a MultiMap key (a value set with its own
 * map, table and node per room, and a 1000-entry table per partition).
 *
 * <p>A personal room {@code user:{id}} has no entry here: its nodes are those of the user's
 * connections in presence's {@link UserConnections#MAP}, written when a connection is admitted,
 * before the session joins the room and reads its catch-up. So a lookup made after a notification
 * committed that misses a session still means the session's catch-up comes after the commit, and
 * a connect costs no room-index write.
 *
 * <p>Only built-in operations are used (no entry processors or other Herald classes run inside
 * Hazelcast), so any member can hold these partitions, including a producer's clustered Vert.x
 * that does not have Herald on its classpath. Hazelcast's map API is synchronous: every call runs
 * on a worker thread, never on an event loop.
 */
public final class HazelcastRoomDirectory implements RoomDirectory {
  public static final String ROOMS = "herald.rooms";
  public static final String NODE_ROOMS = "herald.node-rooms";
  private static final char SEP = ',';

  private final Vertx vertx;
  private final IMap<String, String> rooms;
  private final MultiMap<String, String> nodeRooms;
  private final IMap<String, String> userConnections;

  public HazelcastRoomDirectory(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.rooms = hazelcast.getMap(ROOMS);
    this.nodeRooms = hazelcast.getMultiMap(NODE_ROOMS);
    this.userConnections = hazelcast.getMap(UserConnections.MAP);
  }

  /** The user id of a personal room. */
  private static String userOf(String room) {
    return room.substring(RoomPolicy.USER_PREFIX.length() + 1);
  }

  /** Every room but the personal ones, whose nodes presence lists. */
  @Override
  public boolean indexes(String room) {
    return !RoomPolicy.isUserRoom(room);
  }

  @Override
  public Future<Void> add(String room, String nodeId) {
    return blocking("add", () -> {
      nodeRooms.put(nodeId, room);
      addNode(room, nodeId);
      return null;
    });
  }

  @Override
  public Future<Void> addAll(Collection<String> roomNames, String nodeId) {
    if (roomNames.isEmpty()) {
      return Future.succeededFuture();
    }
    List<String> copy = List.copyOf(roomNames);
    return blocking("add_all", () -> {
      // Read first, in bulk, and write only what is missing: the periodic re-assertion of a node
      // with 19,500 personal rooms otherwise made three cluster operations per room every interval
      // (about 2,000 per second per node in the bench's five-node run).
      Set<String> listed = new HashSet<>(nodeRooms.get(nodeId));
      for (int from = 0; from < copy.size(); from += BULK_READ) {
        List<String> batch = copy.subList(from, Math.min(copy.size(), from + BULK_READ));
        Map<String, String> current = rooms.getAll(new HashSet<>(batch));
        for (String room : batch) {
          if (!listed.contains(room)) {
            nodeRooms.put(nodeId, room);
          }
          if (!split(current.get(room)).contains(nodeId)) {
            addNode(room, nodeId);
          }
        }
      }
      return null;
    });
  }

  /** Rooms read per getAll when re-asserting (one operation per partition owner per batch). */
  private static final int BULK_READ = 1000;

  @Override
  public Future<Void> remove(String room, String nodeId) {
    return blocking("remove", () -> {
      removeNode(room, nodeId);
      nodeRooms.remove(nodeId, room);
      return null;
    });
  }

  @Override
  public Future<Set<String>> nodes(String room) {
    if (RoomPolicy.isUserRoom(room)) {
      return blocking("lookup", () -> UserConnections.nodes(userConnections.get(userOf(room))));
    }
    return blocking("lookup", () -> split(rooms.get(room)));
  }

  @Override
  public Future<Map<String, Set<String>>> nodes(Collection<String> roomNames) {
    Set<String> keys = new HashSet<>();
    Set<String> users = new HashSet<>();
    for (String room : roomNames) {
      if (RoomPolicy.isUserRoom(room)) {
        users.add(userOf(room));
      } else {
        keys.add(room);
      }
    }
    return blocking("lookup_many", () -> {
      Map<String, Set<String>> out = new HashMap<>();
      if (!keys.isEmpty()) {
        rooms.getAll(keys).forEach((room, nodes) -> {
          Set<String> set = split(nodes);
          if (!set.isEmpty()) {
            out.put(room, set);
          }
        });
      }
      if (!users.isEmpty()) {
        userConnections.getAll(users).forEach((user, value) -> {
          Set<String> set = UserConnections.nodes(value);
          if (!set.isEmpty()) {
            out.put(RoomPolicy.userRoom(user), set);
          }
        });
      }
      return out;
    });
  }

  @Override
  public Future<List<String>> rooms() {
    return blocking("rooms", () -> new ArrayList<>(rooms.keySet()));
  }

  @Override
  public Future<Void> purgeNode(String nodeId) {
    return blocking("purge", () -> {
      for (String room : nodeRooms.remove(nodeId)) {
        removeNode(room, nodeId);
      }
      return null;
    });
  }

  /** Adds the node to the room's list (compare-and-set; a no-op when listed). */
  private void addNode(String room, String nodeId) {
    while (true) {
      String current = rooms.get(room);
      if (current == null) {
        if (rooms.putIfAbsent(room, nodeId) == null) {
          return;
        }
      } else if (split(current).contains(nodeId) || rooms.replace(room, current, current + SEP + nodeId)) {
        return;
      }
    }
  }

  /** Removes the node from the room's list, and the room when none is left (compare-and-set). */
  private void removeNode(String room, String nodeId) {
    while (true) {
      String current = rooms.get(room);
      if (current == null) {
        return;
      }
      Set<String> nodes = split(current);
      if (!nodes.remove(nodeId)) {
        return;
      }
      boolean done = nodes.isEmpty() ? rooms.remove(room, current) : rooms.replace(room, current, String.join(",", nodes));
      if (done) {
        return;
      }
    }
  }

  private static Set<String> split(String nodes) {
    Set<String> out = new HashSet<>();
    if (nodes != null) {
      int from = 0;
      for (int i = 0; i <= nodes.length(); i++) {
        if (i == nodes.length() || nodes.charAt(i) == SEP) {
          if (i > from) {
            out.add(nodes.substring(from, i));
          }
          from = i + 1;
        }
      }
    }
    return out;
  }

  /** Runs a cluster operation off the event loop, timed in {@code herald_room_index_operations_seconds}. */
  private <T> Future<T> blocking(String name, java.util.concurrent.Callable<T> op) {
    long start = System.nanoTime();
    return vertx.executeBlocking(op, false).andThen(ar ->
        io.herald.metrics.HeraldMetrics.of(vertx).roomIndexOperation(name, ar.succeeded(), System.nanoTime() - start));
  }
}

package io.herald.presence;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.multimap.MultiMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cluster-wide presence in Hazelcast: which connections each user has (tagged with the node that
 * holds them), who is announced online, and who is in which presence-enabled room.
 *
 * <p>Every change of one user runs under that user's Hazelcast lock, so the connection limit and
 * the online/offline transitions are decided exactly once for the whole cluster: a transition is
 * reported to the one caller that made it, which then notifies subscribers. Only built-in
 * structures are used, so members without Herald's classes can hold the partitions. All methods
 * block (Hazelcast calls): call them on a worker thread.
 */
final class PresenceManager {
  static final String CONNECTIONS = "herald.presence.connections";
  static final String NODE_USERS = "herald.presence.node-users";
  static final String ONLINE = "herald.presence.online";
  static final String ROOM_USERS = "herald.presence.room-users";
  private static final char SEP = '\u0001';

  /** What a connect did. */
  enum Admission { ADMITTED, CAME_ONLINE, REFUSED }

  private final MultiMap<String, String> connections; // user -> node SEP session
  private final MultiMap<String, String> nodeUsers;   // node -> user
  private final IMap<String, Long> online;            // user -> online since, then last close (epoch ms)
  private final MultiMap<String, String> roomUsers;    // room -> user SEP node

  PresenceManager(HazelcastInstance hz) {
    connections = hz.getMultiMap(CONNECTIONS);
    nodeUsers = hz.getMultiMap(NODE_USERS);
    online = hz.getMap(ONLINE);
    roomUsers = hz.getMultiMap(ROOM_USERS);
  }

  /** Longest wait for a user's (or room's) lock; a worker thread never blocks longer on one. */
  static final long LOCK_WAIT_SECONDS = 10;

  /**
   * Takes the key's lock, waiting at most {@link #LOCK_WAIT_SECONDS}: the caller runs on a worker
   * thread, and an unbounded wait (say, for a lock a departing member still holds) would hold it.
   */
  private static void lock(MultiMap<String, String> map, String key) {
    try {
      if (!map.tryLock(key, LOCK_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
        throw new IllegalStateException("presence entry of " + key + " is busy");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while locking " + key, e);
    }
  }

  /** Registers a connection unless the user already has {@code max} anywhere in the cluster. */
  Admission connect(String user, String node, String session, int max) {
    lock(connections, user);
    try {
      if (connections.valueCount(user) >= max) {
        return Admission.REFUSED;
      }
      connections.put(user, node + SEP + session);
      nodeUsers.put(node, user);
      if (online.containsKey(user)) {
        return Admission.ADMITTED;
      }
      online.set(user, System.currentTimeMillis());
      return Admission.CAME_ONLINE;
    } finally {
      connections.unlock(user);
    }
  }

  /**
   * Removes a connection; returns how many the user still has in the cluster. When that is none,
   * the node keeps its node-users entry until {@link #confirmOffline}, so that if this node dies
   * during the grace period the survivors still find the user.
   */
  int disconnect(String user, String node, String session) {
    lock(connections, user);
    try {
      connections.remove(user, node + SEP + session);
      Collection<String> left = connections.get(user);
      if (!left.isEmpty() && left.stream().noneMatch(c -> c.startsWith(node + SEP))) {
        nodeUsers.remove(node, user);
      }
      if (left.isEmpty()) {
        online.replace(user, System.currentTimeMillis()); // the grace period runs from the last close
      }
      return left.size();
    } finally {
      connections.unlock(user);
    }
  }

  /**
   * Checks a user whose last connection closed: returns {@link #WENT_OFFLINE} if this call took
   * them offline, {@link #STILL_ONLINE} if they have a connection (or are already offline), or the
   * milliseconds left until {@code graceMs} have passed since the last close anywhere (ask again
   * then). Also drops {@code node}'s entry for the user when it holds no connection of theirs.
   */
  long confirmOffline(String user, String node, long graceMs) {
    lock(connections, user);
    try {
      Collection<String> left = connections.get(user);
      if (left.stream().noneMatch(c -> c.startsWith(node + SEP))) {
        nodeUsers.remove(node, user);
      }
      Long lastClose = online.get(user);
      if (!left.isEmpty() || lastClose == null) {
        return STILL_ONLINE;
      }
      long wait = lastClose + graceMs - System.currentTimeMillis();
      if (wait > 0) {
        return wait;
      }
      online.remove(user);
      return WENT_OFFLINE;
    } finally {
      connections.unlock(user);
    }
  }

  static final long WENT_OFFLINE = 0;
  static final long STILL_ONLINE = -1;

  /**
   * Removes every connection a departed node held; returns the users left with no connection
   * anywhere, for whom {@link #confirmOffline} is due after the grace period. Safe to run on every
   * survivor at once.
   */
  List<String> purgeNode(String node) {
    List<String> noneLeft = new ArrayList<>();
    for (String user : nodeUsers.remove(node)) {
      lock(connections, user);
      try {
        for (String c : List.copyOf(connections.get(user))) {
          if (c.startsWith(node + SEP)) {
            connections.remove(user, c);
          }
        }
        if (connections.valueCount(user) == 0) {
          noneLeft.add(user);
        }
      } finally {
        connections.unlock(user);
      }
    }
    return noneLeft;
  }

  /** Announced status of each user: online from the first connection until the grace period ends. */
  Map<String, Boolean> status(Collection<String> users) {
    Set<String> keys = new HashSet<>(users);
    Set<String> on = online.getAll(keys).keySet();
    Map<String, Boolean> out = new HashMap<>();
    for (String u : users) {
      out.put(u, on.contains(u));
    }
    return out;
  }

  List<String> onlineUsers() {
    return new ArrayList<>(online.keySet());
  }

  /** A user's first connection on any node entered the room: true means "joined" must be announced. */
  boolean roomJoined(String room, String user, String node) {
    lock(roomUsers, room);
    try {
      boolean first = roomUsers.get(room).stream().noneMatch(v -> v.startsWith(user + SEP));
      roomUsers.put(room, user + SEP + node);
      return first;
    } finally {
      roomUsers.unlock(room);
    }
  }

  /** This node holds no more connection of the user in the room: true means "left" must be announced. */
  boolean roomLeft(String room, String user, String node) {
    lock(roomUsers, room);
    try {
      boolean removed = roomUsers.remove(room, user + SEP + node);
      return removed && roomUsers.get(room).stream().noneMatch(v -> v.startsWith(user + SEP));
    } finally {
      roomUsers.unlock(room);
    }
  }

  /** For a departed node: the (room, user) pairs that left, for the given presence-enabled rooms. */
  List<String[]> purgeNodeRooms(String node, Collection<String> rooms) {
    List<String[]> left = new ArrayList<>();
    for (String room : rooms) {
      lock(roomUsers, room);
      try {
        for (String v : List.copyOf(roomUsers.get(room))) {
          if (v.endsWith(SEP + node) && roomUsers.remove(room, v)) {
            String user = v.substring(0, v.length() - node.length() - 1);
            if (roomUsers.get(room).stream().noneMatch(x -> x.startsWith(user + SEP))) {
              left.add(new String[] {room, user});
            }
          }
        }
      } finally {
        roomUsers.unlock(room);
      }
    }
    return left;
  }

  /** Rooms with presence entries of a node (scan of the presence-room map's keys). */
  List<String> roomsWithNode(String node) {
    List<String> out = new ArrayList<>();
    for (String room : roomUsers.keySet()) {
      if (roomUsers.get(room).stream().anyMatch(v -> v.endsWith(SEP + node))) {
        out.add(room);
      }
    }
    return out;
  }
}

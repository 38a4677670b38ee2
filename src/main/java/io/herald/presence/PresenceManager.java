package io.herald.presence;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.multimap.MultiMap;
import com.hazelcast.query.Predicates;
import io.herald.cluster.UserConnections;
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
 * <p>A user's connections and their online flag are one IMap entry, {@code herald.presence.users}:
 * user -> {@code {since}} followed by {@code \u0002{nodeId}\u0001{sessionId}} per connection, where
 * {@code since} is when they came online or, once their last connection closed, the time of that
 * close (the grace period runs from it). Present = online. One entry per user costs the cluster a
 * fraction of a MultiMap key (its value set, map, table and node) plus a second map's entry.
 *
 * <p>Every change of one user's entry is a compare-and-set on it ({@link #update}), so the
 * connection limit and the online/offline transitions are decided exactly once for the whole
 * cluster: a transition is reported to the one caller that made it, which then notifies
 * subscribers. A departed node's users are found by a built-in predicate on the values (their
 * connections name the node), so no second structure is kept per connection. Only built-in
 * structures and predicates are used, so members without Herald's classes can hold the partitions.
 * All methods block (Hazelcast calls): call them on a worker thread.
 */
final class PresenceManager {
  static final String USERS = UserConnections.MAP;
  static final String ROOM_USERS = "herald.presence.room-users";
  private static final char SEP = UserConnections.NODE_END;
  /** Separates the connections in a {@link #USERS} value. */
  private static final char CONN = UserConnections.CONNECTION;

  /** What a connect did. */
  enum Admission { ADMITTED, CAME_ONLINE, REFUSED }

  private final IMap<String, String> users;           // user -> since, connections (see above)
  private final MultiMap<String, String> roomUsers;    // room -> user SEP node

  PresenceManager(HazelcastInstance hz) {
    users = hz.getMap(USERS);
    roomUsers = hz.getMultiMap(ROOM_USERS);
  }

  /** Longest wait for a room's lock; a worker thread never blocks longer on one. */
  static final long LOCK_WAIT_SECONDS = 10;

  /** Most compare-and-set attempts on one user's entry before giving up (each loses only to another change). */
  static final int MAX_CAS_ATTEMPTS = 100;

  /** What an update makes of a user's entry: write {@code next} (null: delete it) or keep it; and the caller's answer. */
  private record Change<T>(boolean write, UserPresence next, T result) {
    static <T> Change<T> keep(T result) {
      return new Change<>(false, null, result);
    }

    static <T> Change<T> write(UserPresence next, T result) {
      return new Change<>(true, next, result);
    }
  }

  /**
   * Changes a user's entry by compare-and-set: reads it, asks {@code f} what to make of it, and
   * writes that only if the entry is still what was read ({@code putIfAbsent}, {@code replace(key,
   * old, new)}, {@code remove(key, old)}); otherwise reads again. Every writer of {@link #USERS}
   * goes through here, so no change is lost and each decision (the connection limit, coming online,
   * going offline) is made on the value it changes, exactly once cluster-wide. Two operations in
   * the common case (a lock, its release and their backups cost four more), and nothing is held if
   * a member dies mid-change.
   */
  private <T> T update(String user, java.util.function.Function<UserPresence, Change<T>> f) {
    for (int attempt = 1; ; attempt++) {
      String old = users.get(user);
      Change<T> c = f.apply(UserPresence.decode(old));
      if (!c.write()) {
        return c.result();
      }
      boolean done;
      if (c.next() == null) {
        done = old == null || users.remove(user, old);
      } else if (old == null) {
        done = users.putIfAbsent(user, c.next().encode()) == null;
      } else {
        done = users.replace(user, old, c.next().encode());
      }
      if (done) {
        return c.result();
      }
      if (attempt >= MAX_CAS_ATTEMPTS) {
        throw new IllegalStateException("presence entry of " + user + " is busy");
      }
    }
  }

  /** A presence-enabled room's lock, waited for at most {@link #LOCK_WAIT_SECONDS}. */
  private <T> T withRoomLock(String room, java.util.function.Supplier<T> body) {
    return locked(roomUsers::tryLock, roomUsers::unlock, room, body);
  }

  /** The bounded tryLock of an IMap or a MultiMap. */
  private interface TryLock {
    boolean tryLock(String key, long time, java.util.concurrent.TimeUnit unit) throws InterruptedException;
  }

  private static <T> T locked(TryLock tryLock, java.util.function.Consumer<String> unlock, String key,
      java.util.function.Supplier<T> body) {
    try {
      if (!tryLock.tryLock(key, LOCK_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
        throw new IllegalStateException("presence entry of " + key + " is busy");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while locking " + key, e);
    }
    try {
      return body.get();
    } finally {
      unlock.accept(key);
    }
  }

  /** Registers a connection unless the user already has {@code max} anywhere in the cluster. */
  Admission connect(String user, String node, String session, int max) {
    return update(user, p -> {
      if (p != null && p.connections().size() >= max) {
        return Change.keep(Admission.REFUSED);
      }
      List<String> connections = p == null ? new ArrayList<>(1) : new ArrayList<>(p.connections());
      connections.add(node + SEP + session);
      long since = p == null ? System.currentTimeMillis() : p.since();
      return Change.write(new UserPresence(since, connections), p == null ? Admission.CAME_ONLINE : Admission.ADMITTED);
    });
  }

  /**
   * Removes a connection; returns how many the user still has in the cluster. When that is none,
   * the entry stays (with the time of this close) until {@link #confirmOffline} after the grace
   * period, so a reconnect meanwhile is no flap; if this node dies first, the survivors find the
   * entry by its having no connection ({@link #purgeNode}).
   */
  int disconnect(String user, String node, String session) {
    return update(user, p -> {
      if (p == null) {
        return Change.keep(0);
      }
      List<String> left = new ArrayList<>(p.connections());
      if (!left.remove(node + SEP + session)) {
        return Change.keep(left.size());
      }
      // the grace period runs from the last close
      long since = left.isEmpty() ? System.currentTimeMillis() : p.since();
      return Change.write(new UserPresence(since, left), left.size());
    });
  }

  /**
   * Checks a user whose last connection closed: returns {@link #WENT_OFFLINE} if this call took
   * them offline, {@link #STILL_ONLINE} if they have a connection (or are already offline), or the
   * milliseconds left until {@code graceMs} have passed since the last close anywhere (ask again
   * then). Safe to call from several nodes at once: one of them takes the user offline.
   */
  long confirmOffline(String user, String node, long graceMs) {
    return update(user, p -> {
      if (p == null || !p.connections().isEmpty()) {
        return Change.keep(STILL_ONLINE);
      }
      long wait = p.since() + graceMs - System.currentTimeMillis();
      return wait > 0 ? Change.keep(wait) : Change.write(null, WENT_OFFLINE);
    });
  }

  static final long WENT_OFFLINE = 0;
  static final long STILL_ONLINE = -1;

  /**
   * Removes every connection a departed node held; returns the users left with no connection
   * anywhere, for whom {@link #confirmOffline} is due after the grace period: those it left without
   * one, and every user already without one (in a grace period whose timer may have been on the
   * departed node). Safe to run on every survivor at once: each change is a compare-and-set, and
   * one {@link #confirmOffline} takes a user offline.
   */
  List<String> purgeNode(String node) {
    Set<String> noneLeft = new HashSet<>();
    for (String user : users.keySet(onNode(node))) {
      int left = update(user, p -> {
        if (p == null) {
          return Change.keep(0);
        }
        List<String> kept = new ArrayList<>();
        for (String c : p.connections()) {
          if (!c.startsWith(node + SEP)) {
            kept.add(c);
          }
        }
        return kept.size() == p.connections().size() ? Change.keep(kept.size())
            : Change.write(new UserPresence(kept.isEmpty() ? System.currentTimeMillis() : p.since(), kept), kept.size());
      });
      if (left == 0) {
        noneLeft.add(user);
      }
    }
    noneLeft.addAll(users.keySet(Predicates.not(Predicates.like("this", "%" + CONN + "%"))));
    return new ArrayList<>(noneLeft);
  }

  /** Entries with a connection on {@code node} (a built-in predicate: any member can run it). */
  private static com.hazelcast.query.Predicate<String, String> onNode(String node) {
    String escaped = node.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    return Predicates.like("this", "%" + CONN + escaped + SEP + "%");
  }

  /**
   * Compares the connections this node is listed with against its live sessions. An entry whose
   * session is not live is removed only when it was already a suspect at the previous call (passed
   * in {@code suspects} as {@code user SEP session}): an admission may have been written while its
   * session was not registered yet. Returns the users whose last connection this removed (they
   * need {@link #confirmOffline} after the grace period) and the new suspects.
   */
  Reconciled reconcile(String node, java.util.function.Predicate<String> live, Set<String> suspects) {
    List<String> noneLeft = new ArrayList<>();
    Set<String> nextSuspects = new HashSet<>();
    for (Map.Entry<String, String> e : users.entrySet(onNode(node))) {
      String user = e.getKey();
      UserPresence seen = UserPresence.decode(e.getValue());
      if (seen == null) {
        continue;
      }
      for (String c : seen.connections()) {
        if (!c.startsWith(node + SEP)) {
          continue;
        }
        String session = c.substring(node.length() + 1);
        if (live.test(session)) {
          continue;
        }
        String key = user + SEP + session;
        if (!suspects.contains(key)) {
          nextSuspects.add(key);
        } else if (disconnect(user, node, session) == 0) {
          noneLeft.add(user);
        }
      }
    }
    return new Reconciled(noneLeft, nextSuspects);
  }

  /**
   * Puts back this node's live connections that {@link #USERS} lacks (entries lost with a departed
   * member's partitions): presence would call those users offline, and routing, which finds a
   * personal room's nodes there, would not reach them. Reads in bulk and writes only what is
   * missing, by compare-and-set. Returns how many users it repaired.
   */
  int reassert(String node, Map<String, List<String>> sessionsByUser) {
    int repaired = 0;
    List<String> all = new ArrayList<>(sessionsByUser.keySet());
    for (int from = 0; from < all.size(); from += BULK_READ) {
      List<String> batch = all.subList(from, Math.min(all.size(), from + BULK_READ));
      Map<String, String> current = users.getAll(new HashSet<>(batch));
      for (String user : batch) {
        if (missing(UserPresence.decode(current.get(user)), node, sessionsByUser.get(user)).isEmpty()) {
          continue;
        }
        boolean fixed = update(user, p -> {
          List<String> add = missing(p, node, sessionsByUser.get(user));
          if (add.isEmpty()) {
            return Change.keep(false);
          }
          List<String> connections = p == null ? new ArrayList<>() : new ArrayList<>(p.connections());
          connections.addAll(add);
          return Change.write(new UserPresence(p == null ? System.currentTimeMillis() : p.since(), connections), true);
        });
        repaired += fixed ? 1 : 0;
      }
    }
    return repaired;
  }

  /** Users read per getAll when re-asserting. */
  private static final int BULK_READ = 1000;

  private static List<String> missing(UserPresence p, String node, List<String> sessions) {
    List<String> out = new ArrayList<>();
    for (String session : sessions) {
      String c = node + SEP + session;
      if (p == null || !p.connections().contains(c)) {
        out.add(c);
      }
    }
    return out;
  }

  /** What {@link #reconcile} did: users left with no connection, and entries to check again next time. */
  record Reconciled(List<String> noneLeft, Set<String> suspects) {}

  /** Announced status of each user: online from the first connection until the grace period ends. */
  Map<String, Boolean> status(Collection<String> users) {
    Set<String> keys = new HashSet<>(users);
    Set<String> on = this.users.getAll(keys).keySet();
    Map<String, Boolean> out = new HashMap<>();
    for (String u : users) {
      out.put(u, on.contains(u));
    }
    return out;
  }

  List<String> onlineUsers() {
    return new ArrayList<>(users.keySet());
  }

  int onlineCount() {
    return users.size();
  }

  /**
   * A {@link #USERS} value: {@code since} (epoch ms: came online, or the last close once none is
   * left) and the connections, each {@code {nodeId}\u0001{sessionId}}. Encoded as one String so
   * that any member can hold it without Herald's classes.
   */
  record UserPresence(long since, List<String> connections) {
    static UserPresence decode(String value) {
      return value == null ? null
          : new UserPresence(UserConnections.since(value), UserConnections.connections(value));
    }

    String encode() {
      StringBuilder sb = new StringBuilder().append(since);
      for (String c : connections) {
        sb.append(CONN).append(c);
      }
      return sb.toString();
    }
  }

  /** A user's first connection on any node entered the room: true means "joined" must be announced. */
  boolean roomJoined(String room, String user, String node) {
    return withRoomLock(room, () -> {
      boolean first = roomUsers.get(room).stream().noneMatch(v -> v.startsWith(user + SEP));
      roomUsers.put(room, user + SEP + node);
      return first;
    });
  }

  /** This node holds no more connection of the user in the room: true means "left" must be announced. */
  boolean roomLeft(String room, String user, String node) {
    return withRoomLock(room, () -> {
      boolean removed = roomUsers.remove(room, user + SEP + node);
      return removed && roomUsers.get(room).stream().noneMatch(v -> v.startsWith(user + SEP));
    });
  }

  /** For a departed node: the (room, user) pairs that left, for the given presence-enabled rooms. */
  List<String[]> purgeNodeRooms(String node, Collection<String> rooms) {
    List<String[]> left = new ArrayList<>();
    for (String room : rooms) {
      withRoomLock(room, () -> {
        for (String v : List.copyOf(roomUsers.get(room))) {
          if (v.endsWith(SEP + node) && roomUsers.remove(room, v)) {
            String user = v.substring(0, v.length() - node.length() - 1);
            if (roomUsers.get(room).stream().noneMatch(x -> x.startsWith(user + SEP))) {
              left.add(new String[] {room, user});
            }
          }
        }
        return null;
      });
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

package io.herald.room;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's room membership: room -> local sessions. Joining costs no event-bus registration;
 * the first local member of a room adds this node to the cluster-wide {@link RoomDirectory} and
 * the last one to leave removes it. Directory updates for one room are issued strictly in order,
 * and {@link #join} completes only when the directory lists this node, so a producer on any node
 * that sends after a join was acknowledged reaches the new member.
 *
 * <p>For the rooms a {@link UserListener} tracks (those whose members are told who comes and goes),
 * members are also counted per user, and the listener hears when a user's first session here joins
 * a room and when its last one leaves: nobody scans a room's members to find out.
 *
 * <p>Thread-safe: sessions on every event loop call it.
 */
public final class LocalRooms {
  private static final Logger log = LoggerFactory.getLogger(LocalRooms.class);

  private final Vertx vertx;
  private final String nodeId;
  private final RoomDirectory directory;
  /**
   * Room -> its local members: the {@link RoomMember} itself while a room has a single member here
   * (most personal rooms), a concurrent set from the second on. A one-member room thus costs no
   * set (a ConcurrentHashMap with its table: ~200 bytes). Values change only inside
   * {@code compute}, so membership changes of one room are atomic.
   */
  private final ConcurrentHashMap<String, Object> rooms = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Future<Void>> directoryOps = new ConcurrentHashMap<>();
  /** "{room} {user}" -> that user's members here, for tracked rooms only (a space is never in a name). */
  private final ConcurrentHashMap<String, Integer> userCounts = new ConcurrentHashMap<>();
  private volatile Predicate<String> tracked = room -> false;
  private volatile UserListener listener;

  /** Hears a user's first local session join a tracked room and its last one leave it (on the member's thread). */
  public interface UserListener {
    void firstJoined(String room, String userId);

    void lastLeft(String room, String userId);
  }

  public LocalRooms(Vertx vertx, String nodeId, RoomDirectory directory) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.directory = directory;
  }

  /** Counts members per user in the rooms {@code rooms} accepts, and tells {@code l}; call before any join. */
  public void trackUsers(Predicate<String> rooms, UserListener l) {
    this.listener = l;
    this.tracked = rooms;
  }

  /** The members of {@code userId} here in {@code room}, a tracked room (0 for any other). */
  public int localCount(String room, String userId) {
    return userCounts.getOrDefault(room + ' ' + userId, 0);
  }

  /**
   * Adds a member. The future completes, on the caller's context, once the cluster directory
   * lists this node for the room; it fails (and the member is removed) if the directory could not
   * be updated.
   */
  public Future<Void> join(RoomMember member, String room) {
    boolean[] first = {false};
    boolean[] firstOfUser = {false};
    boolean track = tracked.test(room);
    rooms.compute(room, (k, members) -> {
      Object updated;
      boolean added;
      if (members == null) {
        first[0] = true;
        added = true;
        updated = member;
      } else if (members instanceof RoomMember only) {
        added = only != member;
        updated = added ? newSet(only, member) : only;
      } else {
        added = set(members).add(member);
        updated = members;
      }
      if (added && track) {
        firstOfUser[0] = userCounts.merge(room + ' ' + member.userId(), 1, Integer::sum) == 1;
      }
      return updated;
    });
    if (firstOfUser[0] && listener != null) {
      listener.firstJoined(room, member.userId());
    }
    if (!directory.indexes(room)) {
      return Future.succeededFuture(); // the directory finds this room's nodes elsewhere (presence)
    }
    Future<Void> indexed;
    if (first[0]) {
      indexed = sequence(room);
    } else {
      Future<Void> pending = directoryOps.get(room);
      indexed = pending == null ? Future.succeededFuture() : pending;
    }
    return onCallerContext(indexed).onFailure(err -> {
      log.warn("room directory add failed for {}: {}", room, err.toString());
      leave(member, room);
    });
  }

  private static Set<RoomMember> newSet(RoomMember a, RoomMember b) {
    Set<RoomMember> set = ConcurrentHashMap.newKeySet();
    set.add(a);
    set.add(b);
    return set;
  }

  /**
   * Removes a member; the last local member takes this node out of the directory. The future
   * completes (on the caller's context) once the directory no longer routes the room here because
   * of this member; it never fails (a failed removal only leaves a harmless stale entry).
   */
  public Future<Void> leave(RoomMember member, String room) {
    boolean[] last = {false};
    boolean[] lastOfUser = {false};
    boolean track = tracked.test(room);
    rooms.computeIfPresent(room, (k, members) -> {
      Object updated;
      boolean removed;
      if (members instanceof RoomMember only) {
        removed = only == member;
        updated = removed ? null : only;
      } else {
        Set<RoomMember> set = set(members);
        removed = set.remove(member);
        updated = set.isEmpty() ? null : set.size() == 1 ? set.iterator().next() : set;
      }
      last[0] = updated == null;
      if (removed && track) {
        lastOfUser[0] = userCounts.compute(room + ' ' + member.userId(), (key, n) -> n == null || n <= 1 ? null : n - 1) == null;
      }
      return updated;
    });
    if (lastOfUser[0] && listener != null) {
      listener.lastLeft(room, member.userId());
    }
    if (!last[0] || !directory.indexes(room)) {
      return Future.succeededFuture();
    }
    Future<Void> removed = sequence(room)
        .onFailure(err -> log.warn("room directory remove failed for {}: {}", room, err.toString()));
    return onCallerContext(removed.otherwiseEmpty());
  }

  /** Local members of a room (a live view when it has several; empty when none). */
  public Collection<RoomMember> members(String room) {
    Object members = rooms.get(room);
    if (members == null) {
      return List.of();
    }
    return members instanceof RoomMember only ? List.of(only) : set(members);
  }

  /** How many rooms have a member here (personal rooms included), for metrics. */
  public int roomCount() {
    return rooms.size();
  }

  /** Room memberships of this node's sessions, counted over a live view (for metrics). */
  public long membershipCount() {
    long n = 0;
    for (Object members : rooms.values()) {
      n += members instanceof RoomMember ? 1 : set(members).size();
    }
    return n;
  }

  /** Local rooms with their member counts, for stats. */
  public Map<String, Integer> counts() {
    Map<String, Integer> out = new java.util.HashMap<>();
    rooms.forEach((room, members) -> out.put(room, members instanceof RoomMember ? 1 : set(members).size()));
    return out;
  }

  /**
   * Re-asserts this node's entry for every local room, healing entries lost in the cluster (a
   * partition lost with a departed member). A room left meanwhile is removed again afterwards, in
   * its own ordered sequence, so the directory never keeps a stale entry for this node.
   */
  public Future<Void> reassert() {
    Set<String> snapshot = new java.util.HashSet<>();
    rooms.keySet().forEach(r -> {
      if (directory.indexes(r)) {
        snapshot.add(r);
      }
    });
    return directory.addAll(snapshot, nodeId).andThen(ar -> {
      for (String room : snapshot) {
        if (!rooms.containsKey(room)) {
          sequence(room);
        }
      }
    });
  }

  /** Completes when every directory update issued so far has completed (shutdown). */
  public Future<Void> settled() {
    return Future.join(List.copyOf(directoryOps.values())).mapEmpty();
  }

  @SuppressWarnings("unchecked")
  private static Set<RoomMember> set(Object members) {
    return (Set<RoomMember>) members;
  }

  /**
   * Queues a directory update for {@code room} behind the ones already queued, and makes it bring
   * the directory to the room's local state <em>when it runs</em>: listed while the room has a
   * member here, unlisted once it has none. A first join and a last leave on two event loops can
   * queue their updates in either order (each decides "first" or "last" in one step and queues in
   * another); an update that read its own intent instead would let a late "remove" unlist a room
   * that a member joined meanwhile. Whatever the order, the last update queued runs after the last
   * membership change and leaves the directory right.
   */
  private Future<Void> sequence(String room) {
    Supplier<Future<Void>> op = () -> rooms.containsKey(room) ? directory.add(room, nodeId) : directory.remove(room, nodeId);
    @SuppressWarnings("unchecked")
    Future<Void>[] mine = new Future[1];
    directoryOps.compute(room, (k, prev) -> mine[0] = prev == null ? op.get() : prev.transform(ar -> op.get()));
    mine[0].onComplete(ar -> directoryOps.remove(room, mine[0]));
    return mine[0];
  }

  private Future<Void> onCallerContext(Future<Void> f) {
    Context caller = vertx.getOrCreateContext();
    Promise<Void> p = Promise.promise();
    f.onComplete(ar -> caller.runOnContext(v -> p.handle(ar)));
    return p.future();
  }
}

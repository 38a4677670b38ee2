package io.herald.room;

import io.herald.session.Session;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>Thread-safe: sessions on every event loop call it.
 */
public final class LocalRooms {
  private static final Logger log = LoggerFactory.getLogger(LocalRooms.class);

  private final Vertx vertx;
  private final String nodeId;
  private final RoomDirectory directory;
  /**
   * Room -> its local members: the {@link Session} itself while a room has a single member here
   * (most personal rooms), a concurrent set from the second on. A one-member room thus costs no
   * set (a ConcurrentHashMap with its table: ~200 bytes). Values change only inside
   * {@code compute}, so membership changes of one room are atomic.
   */
  private final ConcurrentHashMap<String, Object> rooms = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Future<Void>> directoryOps = new ConcurrentHashMap<>();

  public LocalRooms(Vertx vertx, String nodeId, RoomDirectory directory) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.directory = directory;
  }

  /**
   * Adds a member. The future completes, on the caller's context, once the cluster directory
   * lists this node for the room; it fails (and the member is removed) if the directory could not
   * be updated.
   */
  public Future<Void> join(Session session, String room) {
    boolean[] first = {false};
    rooms.compute(room, (k, members) -> {
      if (members == null) {
        first[0] = true;
        return session;
      }
      if (members instanceof Session only) {
        if (only == session) {
          return only;
        }
        Set<Session> set = ConcurrentHashMap.newKeySet();
        set.add(only);
        set.add(session);
        return set;
      }
      set(members).add(session);
      return members;
    });
    Future<Void> indexed;
    if (first[0]) {
      indexed = sequence(room);
    } else {
      Future<Void> pending = directoryOps.get(room);
      indexed = pending == null ? Future.succeededFuture() : pending;
    }
    return onCallerContext(indexed).onFailure(err -> {
      log.warn("room directory add failed for {}: {}", room, err.toString());
      leave(session, room);
    });
  }

  /**
   * Removes a member; the last local member takes this node out of the directory. The future
   * completes (on the caller's context) once the directory no longer routes the room here because
   * of this member; it never fails (a failed removal only leaves a harmless stale entry).
   */
  public Future<Void> leave(Session session, String room) {
    boolean[] last = {false};
    rooms.computeIfPresent(room, (k, members) -> {
      if (members instanceof Session only) {
        if (only != session) {
          return only;
        }
        last[0] = true;
        return null;
      }
      Set<Session> set = set(members);
      if (set.remove(session) && set.size() <= 1) {
        if (set.isEmpty()) {
          last[0] = true;
          return null;
        }
        return set.iterator().next();
      }
      return set;
    });
    if (!last[0]) {
      return Future.succeededFuture();
    }
    Future<Void> removed = sequence(room)
        .onFailure(err -> log.warn("room directory remove failed for {}: {}", room, err.toString()));
    return onCallerContext(removed.otherwiseEmpty());
  }

  /** Local members of a room (a live view when it has several; empty when none). */
  public Collection<Session> members(String room) {
    Object members = rooms.get(room);
    if (members == null) {
      return List.of();
    }
    return members instanceof Session only ? List.of(only) : set(members);
  }

  /** Local rooms with their member counts, for stats. */
  public Map<String, Integer> counts() {
    Map<String, Integer> out = new java.util.HashMap<>();
    rooms.forEach((room, members) -> out.put(room, members instanceof Session ? 1 : set(members).size()));
    return out;
  }

  /**
   * Re-asserts this node's entry for every local room, healing entries lost in the cluster (a
   * partition lost with a departed member). A room left meanwhile is removed again afterwards, in
   * its own ordered sequence, so the directory never keeps a stale entry for this node.
   */
  public Future<Void> reassert() {
    Set<String> snapshot = Set.copyOf(rooms.keySet());
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
  private static Set<Session> set(Object members) {
    return (Set<Session>) members;
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

package io.herald.room;

import io.vertx.core.Future;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cluster-wide index of which nodes hold at least one member of a room (a user's sockets are
 * the members of {@code user:{id}}). Each node adds itself when its first local member joins and
 * removes itself when its last one leaves; entries of a node that leaves the cluster are purged by
 * the survivors. A node's own add/remove calls for one room must be issued in order (see {@link
 * LocalRooms}). Lookups are consistent with completed adds: once {@link #add} has completed, a
 * lookup from any node sees it.
 */
public interface RoomDirectory {
  /**
   * Whether this directory keeps entries for {@code room}: {@link LocalRooms} calls {@link #add},
   * {@link #remove} and {@link #addAll} only for rooms it keeps. One that finds a room's nodes
   * elsewhere (a personal room, from presence) still answers {@link #nodes} for it.
   */
  default boolean indexes(String room) {
    return true;
  }

  Future<Void> add(String room, String nodeId);

  Future<Void> remove(String room, String nodeId);

  /** Adds {@code nodeId} to every listed room in one batch (re-asserting this node's entries). */
  Future<Void> addAll(Collection<String> rooms, String nodeId);

  /** Nodes holding members of {@code room}; empty when none. */
  Future<Set<String>> nodes(String room);

  /** Nodes per room for several rooms; rooms with no node are absent. */
  Future<Map<String, Set<String>>> nodes(Collection<String> rooms);

  /** Every room with members somewhere, for status and stats endpoints. */
  Future<List<String>> rooms();

  /** Removes every entry of a node (one that left the cluster). Idempotent. */
  Future<Void> purgeNode(String nodeId);
}

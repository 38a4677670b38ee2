package io.herald.room;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
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
 * {@link RoomDirectory} in a Hazelcast map {@code room -> set of node ids}, changed only through
 * entry processors so concurrent adds and removes from several nodes never lose each other.
 */
public final class HazelcastRoomDirectory implements RoomDirectory {
  public static final String MAP_NAME = "herald.rooms";

  private final Vertx vertx;
  private final IMap<String, HashSet<String>> map;

  public HazelcastRoomDirectory(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.map = hazelcast.getMap(MAP_NAME);
  }

  @Override
  public Future<Void> add(String room, String nodeId) {
    return Future.fromCompletionStage(map.submitToKey(room, new AddNode(nodeId)), vertx.getOrCreateContext()).mapEmpty();
  }

  @Override
  public Future<Void> addAll(Collection<String> rooms, String nodeId) {
    if (rooms.isEmpty()) {
      return Future.succeededFuture();
    }
    return Future.fromCompletionStage(map.submitToKeys(new HashSet<>(rooms), new AddNode(nodeId)), vertx.getOrCreateContext())
        .mapEmpty();
  }

  @Override
  public Future<Void> remove(String room, String nodeId) {
    return Future.fromCompletionStage(map.submitToKey(room, new RemoveNodes(new HashSet<>(Set.of(nodeId)), false)), vertx.getOrCreateContext()).mapEmpty();
  }

  @Override
  public Future<Set<String>> nodes(String room) {
    return Future.fromCompletionStage(map.getAsync(room), vertx.getOrCreateContext()).map(s -> s == null ? Set.<String>of() : s);
  }

  @Override
  public Future<Map<String, Set<String>>> nodes(Collection<String> rooms) {
    List<String> keys = new ArrayList<>(new HashSet<>(rooms));
    List<Future<Set<String>>> lookups = new ArrayList<>(keys.size());
    for (String k : keys) {
      lookups.add(nodes(k));
    }
    return Future.all(lookups).map(all -> {
      Map<String, Set<String>> out = new HashMap<>();
      for (int i = 0; i < keys.size(); i++) {
        Set<String> nodes = all.resultAt(i);
        if (!nodes.isEmpty()) {
          out.put(keys.get(i), nodes);
        }
      }
      return out;
    });
  }

  @Override
  public Future<List<String>> rooms() {
    return vertx.executeBlocking(() -> new ArrayList<>(map.keySet()), false);
  }

  @Override
  public Future<Void> retainNodes(Set<String> liveNodes) {
    return vertx.executeBlocking(() -> {
      map.executeOnEntries(new RemoveNodes(new HashSet<>(liveNodes), true));
      return null;
    }, false);
  }

  /** Adds one node id to a room's set. */
  static final class AddNode implements EntryProcessor<String, HashSet<String>, Void> {
    private final String nodeId;

    AddNode(String nodeId) {
      this.nodeId = nodeId;
    }

    @Override
    public Void process(Map.Entry<String, HashSet<String>> entry) {
      HashSet<String> nodes = entry.getValue() == null ? new HashSet<>() : entry.getValue();
      if (nodes.add(nodeId)) {
        entry.setValue(nodes);
      }
      return null;
    }
  }

  /**
   * Removes the given node ids ({@code keep == false}) or every id not among them ({@code keep ==
   * true}); deletes the entry when no node is left.
   */
  static final class RemoveNodes implements EntryProcessor<String, HashSet<String>, Void> {
    private final Set<String> ids;
    private final boolean keep;

    RemoveNodes(Set<String> ids, boolean keep) {
      this.ids = ids;
      this.keep = keep;
    }

    @Override
    public Void process(Map.Entry<String, HashSet<String>> entry) {
      HashSet<String> nodes = entry.getValue();
      if (nodes == null) {
        return null;
      }
      boolean changed = keep ? nodes.retainAll(ids) : nodes.removeAll(ids);
      if (nodes.isEmpty()) {
        entry.setValue(null);
      } else if (changed) {
        entry.setValue(nodes);
      }
      return null;
    }
  }
}

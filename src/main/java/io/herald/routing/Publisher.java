package io.herald.routing;

import io.herald.cluster.Addresses;
import io.herald.protocol.ServerFrame;
import io.herald.room.RoomDirectory;
import io.herald.room.RoomPolicy;
import io.herald.store.NotificationStore.Counted;
import io.herald.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out a validated {@link ProducerRequest}: stores what is stored, asks the {@link
 * RoomDirectory} which nodes hold the target rooms, and sends each such node one {@link
 * NodeMessage} (its {@code herald.node.{id}} consumer writes the frames to its local members). A
 * frame is built once per request and shared by every node and socket it reaches.
 *
 * <p>A stored notification takes two round trips before its answer: the insert, which brings back
 * the user's unread count in the same statement, and then the directory lookup. The lookup must
 * follow the commit: a session joins its personal room before it reads its catch-up, so a lookup
 * after the commit that misses a session means the session joined after the commit and its
 * catch-up has the row; a lookup made before the commit could miss a session whose catch-up also
 * ran before it, and the notification would reach that session neither live nor by replay.
 *
 * <p>One per node, used from any thread (the REST API calls it directly; event-bus producers
 * through {@link RoutingVerticle}). Results are the event-bus API's reply bodies
 * (docs/event-bus.md).
 */
public final class Publisher {
  private static final Logger log = LoggerFactory.getLogger(Publisher.class);
  /**
   * After a commit, the answer waits at most this long for the routing (the directory read) to say
   * which items were delivered live: a committed item is never answered with an error, and routing
   * that takes longer goes on after the answer.
   */
  static final long DELIVERY_REPORT_WAIT_MS = 1000;

  private final Vertx vertx;
  private final RoomDirectory directory;
  private final StoreClient store;
  private final io.herald.store.RoomHistoryClient roomHistory;

  public Publisher(Vertx vertx, RoomDirectory directory) {
    this.vertx = vertx;
    this.directory = directory;
    this.store = new StoreClient(vertx);
    this.roomHistory = new io.herald.store.RoomHistoryClient(vertx);
  }

  /** Carries out {@code request}; fails with a ProtocolException (STORE_UNAVAILABLE, ...) or a directory error. */
  public Future<JsonObject> publish(ProducerRequest request) {
    if (request instanceof ProducerRequest.ToUser r) {
      return r.stored() != null
          ? storeAndDeliver(store.insert(r.stored()).map(List::of), r.namespace(), r.priority()).map(results -> results.get(0))
          : toRoom(RoomPolicy.userRoom(r.userId()), ServerFrame.event(r.event(), r.data()), r.namespace());
    }
    if (request instanceof ProducerRequest.ToUsers r) {
      return r.stored() != null ? storeMany(r) : sendMany(r);
    }
    if (request instanceof ProducerRequest.ToRoom r) {
      if (r.persist()) {
        // kept first, then routed: the directory is read after the commit, as for notifications
        return roomHistory.insert(r.room(), r.event(), r.data(), null)
            .compose(stored -> toRoom(r.room(), stored.toFrame(), r.namespace()).map(reply -> reply.put("id", stored.id())));
      }
      return toRoom(r.room(), ServerFrame.toRoom(r.event(), r.data(), r.room()), r.namespace());
    }
    ProducerRequest.Broadcast r = (ProducerRequest.Broadcast) request;
    vertx.eventBus().publish(Addresses.NODES_BROADCAST, NodeMessage.toAll(ServerFrame.event(r.event(), r.data()), r.namespace()));
    return Future.succeededFuture(new JsonObject());
  }

  private Future<JsonObject> storeMany(ProducerRequest.ToUsers r) {
    return storeAndDeliver(store.insertBatch(r.stored()), r.namespace(), r.priority()).map(stored -> {
      JsonArray ids = new JsonArray();
      int delivered = 0;
      for (JsonObject item : stored) {
        ids.add(item.getLong("id"));
        delivered += item.getBoolean("delivered") ? 1 : 0;
      }
      return new JsonObject().put("delivered", delivered).put("ids", ids);
    });
  }

  private Future<JsonObject> sendMany(ProducerRequest.ToUsers r) {
    ServerFrame frame = ServerFrame.event(r.event(), r.data());
    List<String> userRooms = new ArrayList<>(r.userIds().size());
    r.userIds().forEach(u -> userRooms.add(RoomPolicy.userRoom(u)));
    return directory.nodes(userRooms).map(byRoom -> {
      Map<String, List<String>> roomsPerNode = new HashMap<>();
      byRoom.forEach((room, nodes) -> nodes.forEach(n -> roomsPerNode.computeIfAbsent(n, k -> new ArrayList<>()).add(room)));
      roomsPerNode.forEach((node, rooms) -> deliverTo(node, NodeMessage.toRooms(rooms, List.of(frame), r.namespace())));
      return new JsonObject().put("delivered", byRoom.size());
    });
  }

  /**
   * Stores first (nothing is delivered when that fails), then sends each user its frame followed by
   * its new unread count (from the insert's own round trip). Answers one {id, delivered} per item,
   * in order.
   */
  private Future<List<JsonObject>> storeAndDeliver(Future<List<Counted>> inserted, String ns, Object priority) {
    return inserted.compose(items -> {
      List<String> rooms = new ArrayList<>(items.size());
      items.forEach(c -> rooms.add(RoomPolicy.userRoom(c.item().userId())));
      Future<List<Boolean>> routed = directory.nodes(rooms).map(byRoom -> {
        List<Boolean> delivered = new ArrayList<>(items.size());
        for (Counted c : items) {
          String room = RoomPolicy.userRoom(c.item().userId());
          Set<String> nodes = byRoom.getOrDefault(room, Set.of());
          if (!nodes.isEmpty()) {
            NodeMessage m = NodeMessage.toRooms(List.of(room), List.of(c.item().toFrame(),
                ServerFrame.event("unread_count", new JsonObject().put("count", c.unread()))), ns);
            nodes.forEach(n -> deliverTo(n, m));
          }
          delivered.add(!nodes.isEmpty());
        }
        return delivered;
      }).onFailure(err -> log.warn("stored {} notification(s) but could not route them: {}", items.size(), err.toString()));
      // Committed: from here on the answer is a success. It reports what routing found within
      // DELIVERY_REPORT_WAIT_MS; an item not routed by then counts as not delivered (it is stored
      // and replayed, and its routing goes on).
      Promise<Void> reported = Promise.promise();
      long timer = vertx.setTimer(DELIVERY_REPORT_WAIT_MS, t -> reported.tryComplete());
      routed.onComplete(ar -> {
        vertx.cancelTimer(timer);
        reported.tryComplete();
      });
      routed.onComplete(ar -> {
        for (int i = 0; i < items.size(); i++) {
          boolean delivered = ar.succeeded() && ar.result().get(i);
          vertx.eventBus().send(Addresses.PUSH_NOTIFY, new JsonObject() // push: fire and forget
              .put("notification", items.get(i).item().toJson()).put("delivered", delivered).put("priority", priority),
              Addresses.LOCAL);
        }
      });
      return reported.future().map(v -> {
        List<JsonObject> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
          boolean delivered = routed.succeeded() && routed.result().get(i);
          out.add(new JsonObject().put("id", items.get(i).item().id()).put("delivered", delivered));
        }
        return out;
      });
    });
  }

  /** Sends a frame to every node holding the room; answers whether any node did. */
  private Future<JsonObject> toRoom(String room, ServerFrame frame, String ns) {
    return directory.nodes(room).map(nodes -> {
      NodeMessage m = NodeMessage.toRooms(List.of(room), List.of(frame), ns);
      nodes.forEach(n -> deliverTo(n, m));
      return new JsonObject().put("delivered", !nodes.isEmpty());
    });
  }

  /**
   * A node-local component's frames (presence announcements, sessions' typing and room events) for
   * rooms, wherever their members are; completes once they are handed to those nodes (a failure is
   * logged, never reported).
   */
  Future<Void> route(NodeMessage m) {
    List<Future<Void>> routed = new ArrayList<>(m.rooms().size());
    for (String room : m.rooms()) {
      routed.add(directory.nodes(room)
          .onSuccess(nodes -> nodes.forEach(n -> deliverTo(n, NodeMessage.toRooms(List.of(room), m.frames(), m.namespace()))))
          .onFailure(err -> log.warn("could not route to {}: {}", room, err.toString()))
          .<Void>mapEmpty()
          .otherwiseEmpty());
    }
    return Future.all(routed).mapEmpty();
  }

  private void deliverTo(String node, NodeMessage m) {
    RoutingVerticle.deliverTo(vertx, node, m);
  }
}

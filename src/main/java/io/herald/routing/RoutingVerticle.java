package io.herald.routing;

import io.herald.cluster.Addresses;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.ServerFrame;
import io.herald.protocol.ProtocolException;
import io.herald.protocol.SendRequests;
import io.herald.room.LocalRooms;
import io.herald.room.RoomDirectory;
import io.herald.room.RoomPolicy;
import io.herald.session.Session;
import io.herald.session.SessionRegistry;
import io.herald.store.NewNotification;
import io.herald.store.StoreClient;
import io.herald.store.StoredNotification;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes producer messages to sockets anywhere in the cluster.
 *
 * <p>A producer sends to {@code herald.send.*} (any node's RoutingVerticle takes it). The frame is
 * encoded once, the {@link RoomDirectory} says which nodes hold the target room ({@code user:{id}}
 * for a user), and one message goes to each such node's {@code herald.node.{id}} consumer, which
 * writes the frame to its local members. Broadcasts are published to every node. The only event-bus
 * registrations are these few consumers per node.
 */
public final class RoutingVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(RoutingVerticle.class);
  /** Event-bus failure code for a refused body (the message names the field). */
  public static final int BAD_REQUEST = 400;
  /** Event-bus failure code when the notification store is down or slow (nothing was delivered). */
  public static final int STORE_UNAVAILABLE = 503;
  /** Event-bus failure code when the cluster index cannot be read or the store failed otherwise. */
  public static final int UNAVAILABLE = 500;
  /** Event-bus failure code for a stored send over notifications.max-batch-rows or -bytes (nothing stored). */
  public static final int PAYLOAD_TOO_LARGE = 413;
  /**
   * After a commit, the reply waits at most this long for the routing (directory reads, unread
   * counts) to say which items were delivered live: a committed item is never answered with an
   * error, and routing that takes longer goes on after the reply.
   */
  static final long DELIVERY_REPORT_WAIT_MS = 1000;
  static final String ACTION = "action";
  static final String DELIVER = "deliver";
  static final String STATS = "stats";
  static final String ROOM_MEMBERS = "room-members";
  /** Body field (or event-bus header) restricting a delivery to Socket.IO sessions of one namespace. */
  public static final String NAMESPACE = "namespace";

  private final io.herald.config.HeraldConfig config;
  private final String nodeId;
  private final RoomDirectory directory;
  private final LocalRooms rooms;
  private final SessionRegistry sessions;
  private StoreClient store;
  private final LocalFanOut fanOut;

  public RoutingVerticle(io.herald.config.HeraldConfig config, String nodeId, RoomDirectory directory, LocalRooms rooms,
      SessionRegistry sessions) {
    this.config = config;
    this.nodeId = nodeId;
    this.directory = directory;
    this.rooms = rooms;
    this.sessions = sessions;
    this.fanOut = new LocalFanOut(rooms, sessions);
  }

  @Override
  public Future<?> start() {
    store = new StoreClient(vertx);
    EventBus eb = vertx.eventBus();
    List<MessageConsumer<?>> consumers = List.of(
        eb.<JsonObject>consumer(Addresses.SEND_USER, m -> handle(m, this::sendUser)),
        eb.<JsonObject>consumer(Addresses.SEND_USERS, m -> handle(m, this::sendUsers)),
        eb.<JsonObject>consumer(Addresses.SEND_ROOM, m -> handle(m, this::sendRoom)),
        eb.<JsonObject>consumer(Addresses.BROADCAST, m -> handle(m, this::broadcast)),
        eb.<JsonObject>consumer(Addresses.NOTIFY_USER, m -> handle(m, this::notifyUser)),
        eb.<Object>consumer(Addresses.node(nodeId), this::onNodeMessage),
        eb.<NodeMessage>consumer(Addresses.NODES_BROADCAST, m -> fanOut.deliver(m.body())),
        eb.<NodeMessage>localConsumer(Addresses.ROUTE_FRAME, m -> routeLocal(m.body())));
    List<Future<Void>> registered = new ArrayList<>();
    consumers.forEach(c -> registered.add(c.completion()));
    return Future.all(registered);
  }

  private void handle(Message<JsonObject> msg, Function<JsonObject, Future<JsonObject>> action) {
    Future<JsonObject> result;
    try {
      JsonObject body = msg.body();
      if (body == null) {
        throw new ProtocolException(ErrorCode.BAD_REQUEST, "body must be a JSON object");
      }
      String nsHeader = msg.headers().get(NAMESPACE);
      if (nsHeader != null && !body.containsKey(NAMESPACE)) {
        body = body.copy().put(NAMESPACE, nsHeader);
      }
      result = action.apply(body);
    } catch (ProtocolException e) {
      msg.fail(e.code() == ErrorCode.PAYLOAD_TOO_LARGE ? PAYLOAD_TOO_LARGE : BAD_REQUEST, e.getMessage());
      return;
    } catch (ClassCastException e) {
      msg.fail(BAD_REQUEST, "body must be a JSON object");
      return;
    }
    result.onSuccess(msg::reply).onFailure(err -> {
      if (err instanceof ProtocolException pe && pe.code() == ErrorCode.STORE_UNAVAILABLE) {
        msg.fail(STORE_UNAVAILABLE, pe.getMessage());
      } else if (err instanceof ProtocolException pe && pe.code() == ErrorCode.BAD_REQUEST) {
        msg.fail(BAD_REQUEST, pe.getMessage());
      } else if (err instanceof ProtocolException pe && pe.code() == ErrorCode.PAYLOAD_TOO_LARGE) {
        msg.fail(PAYLOAD_TOO_LARGE, pe.getMessage());
      } else {
        log.warn("routing failed: {}", err.toString());
        msg.fail(UNAVAILABLE, "routing failed: " + err.getMessage());
      }
    });
  }

  /**
   * {@code send}: a {@code notification} event, or any event with {@code "persist": true}, is stored
   * first (and then carries its id); other events are delivered as they are.
   */
  private Future<JsonObject> sendUser(JsonObject body) {
    String userId = SendRequests.userId(body, "userId");
    String event = SendRequests.event(body, "event");
    Object data = SendRequests.payload(body, "data", false);
    String ns = SendRequests.namespace(body);
    if (persisted(event, body)) {
      return storeAndDeliver(List.of(toStore(userId, event, data)), ns, priority(data)).map(stored -> stored.get(0));
    }
    return toRoom(RoomPolicy.userRoom(userId), ServerFrame.event(event, data), ns);
  }

  /** {@code notify}: always stored, then delivered with its id. Reply {id, delivered}. */
  private Future<JsonObject> notifyUser(JsonObject body) {
    String userId = SendRequests.userId(body, "userId");
    JsonObject n = SendRequests.notification(body);
    return storeAndDeliver(List.of(NewNotification.of(userId, n.getString("type"), n.getString("title"),
        n.getString("message"), n.getValue("data"))), SendRequests.namespace(body), body.getValue("priority")).map(stored -> stored.get(0));
  }

  private Future<JsonObject> sendUsers(JsonObject body) {
    List<String> userIds = SendRequests.userIds(body, "userIds");
    String event = SendRequests.event(body, "event");
    Object data = SendRequests.payload(body, "data", false);
    String ns = SendRequests.namespace(body);
    if (persisted(event, body)) {
      checkBatchSize(userIds.size(), data);
      List<NewNotification> batch = new ArrayList<>(userIds.size());
      userIds.forEach(u -> batch.add(toStore(u, event, data)));
      return storeAndDeliver(batch, ns, priority(data)).map(stored -> {
        JsonArray ids = new JsonArray();
        int delivered = 0;
        for (JsonObject r : stored) {
          ids.add(r.getLong("id"));
          delivered += r.getBoolean("delivered") ? 1 : 0;
        }
        return new JsonObject().put("delivered", delivered).put("ids", ids);
      });
    }
    ServerFrame frame = ServerFrame.event(event, data);
    List<String> userRooms = new ArrayList<>(userIds.size());
    userIds.forEach(u -> userRooms.add(RoomPolicy.userRoom(u)));
    return directory.nodes(userRooms).map(byRoom -> {
      Map<String, List<String>> roomsPerNode = new HashMap<>();
      byRoom.forEach((room, nodes) -> nodes.forEach(n -> roomsPerNode.computeIfAbsent(n, k -> new ArrayList<>()).add(room)));
      roomsPerNode.forEach((node, rs) -> deliverTo(node, NodeMessage.toRooms(rs, List.of(frame), ns)));
      return new JsonObject().put("delivered", byRoom.size());
    });
  }

  /**
   * One stored send-many writes one row per user in one transaction: it is bounded in rows and in
   * bytes (the payload times the users) before anything is stored, so a request under the body
   * limit cannot make the store copy it a thousand times.
   */
  private void checkBatchSize(int rows, Object data) {
    if (rows > config.maxBatchRows) {
      throw new ProtocolException(ErrorCode.PAYLOAD_TOO_LARGE, "a stored send-many holds at most " + config.maxBatchRows
          + " users (notifications.max-batch-rows); split it");
    }
    long bytes = (long) rows * io.herald.protocol.Utf8.length(io.vertx.core.json.Json.encode(data));
    if (bytes > config.maxBatchBytes) {
      throw new ProtocolException(ErrorCode.PAYLOAD_TOO_LARGE, "a stored send-many may store at most " + config.maxBatchBytes
          + " bytes (notifications.max-batch-bytes); this one is " + rows + " users x its payload = " + bytes + " bytes");
    }
  }

  private static boolean persisted(String event, JsonObject body) {
    return NewNotification.DEFAULT_EVENT.equals(event) || Boolean.TRUE.equals(body.getValue("persist"));
  }

  /**
   * A notification's payload is validated like {@code POST /api/notifications} (type, title,
   * message, data); a custom event stores its whole payload as data.
   */
  private static NewNotification toStore(String userId, String event, Object data) {
    if (NewNotification.DEFAULT_EVENT.equals(event)) {
      if (!(data instanceof JsonObject payload)) {
        throw new ProtocolException(ErrorCode.BAD_REQUEST,
            "a notification's message must be an object {type, title, message, data}");
      }
      JsonObject n = SendRequests.notification(payload);
      return NewNotification.of(userId, n.getString("type"), n.getString("title"), n.getString("message"), n.getValue("data"));
    }
    return new NewNotification(userId, event, null, null, null, data);
  }

  /**
   * Stores the batch (one transaction), then sends each user its frame followed by its new unread
   * count. The store comes first: when it fails nothing is delivered. Replies one {id, delivered}
   * per item, in order.
   */
  private Future<List<JsonObject>> storeAndDeliver(List<NewNotification> batch, String ns, Object priority) {
    Future<List<StoredNotification>> stored = batch.size() == 1
        ? store.insert(batch.get(0)).map(List::of)
        : store.insertBatch(batch);
    return stored.compose(items -> {
      List<Future<JsonObject>> deliveries = new ArrayList<>(items.size());
      for (StoredNotification item : items) {
        deliveries.add(deliverStored(item, ns, priority));
      }
      // Committed: from here on the answer is a success. It reports what routing found within
      // DELIVERY_REPORT_WAIT_MS; an item not routed by then counts as not delivered (it is stored
      // and replayed, and its routing goes on).
      io.vertx.core.Promise<Void> reported = io.vertx.core.Promise.promise();
      long timer = vertx.setTimer(DELIVERY_REPORT_WAIT_MS, t -> reported.tryComplete());
      Future.join(deliveries).onComplete(ar -> {
        vertx.cancelTimer(timer);
        reported.tryComplete();
      });
      return reported.future().map(v -> {
        List<JsonObject> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
          Future<JsonObject> d = deliveries.get(i);
          out.add(d.succeeded() ? d.result()
              : new JsonObject().put("id", items.get(i).id()).put("delivered", false));
        }
        return out;
      });
    });
  }

  /** A notification payload's {@code priority} (push: "high" pushes even to connected users). */
  private static Object priority(Object data) {
    return data instanceof JsonObject payload ? payload.getValue("priority") : null;
  }

  private Future<JsonObject> deliverStored(StoredNotification item, String ns, Object priority) {
    String room = RoomPolicy.userRoom(item.userId());
    JsonObject result = new JsonObject().put("id", item.id());
    return directory.nodes(room).compose(nodes -> {
      if (nodes.isEmpty()) {
        return Future.succeededFuture(result.put("delivered", false));
      }
      // The count is read after the insert committed, so it includes this item.
      return store.unreadCount(item.userId())
          .map(count -> ServerFrame.event("unread_count", new JsonObject().put("count", count)))
          .otherwise((ServerFrame) null)
          .map(countFrame -> {
            List<ServerFrame> frames = countFrame == null ? List.of(item.toFrame()) : List.of(item.toFrame(), countFrame);
            NodeMessage m = NodeMessage.toRooms(List.of(room), frames, ns);
            nodes.forEach(n -> deliverTo(n, m));
            return result.put("delivered", true);
          });
    }).otherwise(err -> {
      log.warn("stored {} but could not route it: {}", item.id(), err.toString());
      return result.put("delivered", false);
    }).onSuccess(r -> vertx.eventBus().send(Addresses.PUSH_NOTIFY, new JsonObject() // push: fire and forget
        .put("notification", item.toJson()).put("delivered", r.getBoolean("delivered")).put("priority", priority),
        Addresses.LOCAL));
  }

  private Future<JsonObject> sendRoom(JsonObject body) {
    String room = SendRequests.room(body, "room");
    RoomPolicy.validateName(room);
    String event = SendRequests.event(body, "event");
    Object data = SendRequests.payload(body, "data", false);
    return toRoom(room, ServerFrame.toRoom(event, data, room), SendRequests.namespace(body));
  }

  private Future<JsonObject> broadcast(JsonObject body) {
    String event = SendRequests.event(body, "event");
    Object data = SendRequests.payload(body, "data", false);
    vertx.eventBus().publish(Addresses.NODES_BROADCAST, NodeMessage.toAll(ServerFrame.event(event, data), SendRequests.namespace(body)));
    return Future.succeededFuture(new JsonObject());
  }

  /** Sends a frame to every node holding the room; replies whether any node did. */
  private Future<JsonObject> toRoom(String room, ServerFrame frame, String ns) {
    return directory.nodes(room).map(nodes -> {
      NodeMessage m = NodeMessage.toRooms(List.of(room), List.of(frame), ns);
      nodes.forEach(n -> deliverTo(n, m));
      return new JsonObject().put("delivered", !nodes.isEmpty());
    });
  }

  /** A node-local component's frames (presence announcements) for a room, wherever its members are. */
  private void routeLocal(NodeMessage m) {
    for (String room : m.rooms()) {
      directory.nodes(room)
          .onSuccess(nodes -> nodes.forEach(n -> deliverTo(n, NodeMessage.toRooms(List.of(room), m.frames(), m.namespace()))))
          .onFailure(err -> log.warn("could not route to {}: {}", room, err.toString()));
    }
  }

  private void deliverTo(String node, NodeMessage m) {
    vertx.eventBus().send(Addresses.node(node), m, new DeliveryOptions().addHeader(ACTION, DELIVER));
  }

  private void onNodeMessage(Message<Object> msg) {
    String action = msg.headers().get(ACTION);
    if (STATS.equals(action)) {
      msg.reply(localStats());
    } else if (ROOM_MEMBERS.equals(action)) {
      String room = ((JsonObject) msg.body()).getString("room");
      msg.reply(new JsonObject().put("users", new JsonArray(new ArrayList<>(fanOut.usersIn(room)))));
    } else {
      fanOut.deliver((NodeMessage) msg.body());
    }
  }

  private JsonObject localStats() {
    int users = 0;
    int named = 0;
    for (String room : rooms.counts().keySet()) {
      String prefix = RoomPolicy.prefix(room);
      if (prefix.equals("user")) {
        users++;
      } else if (!RoomPolicy.isInternal(room)) {
        named++;
      }
    }
    return new JsonObject()
        .put("nodeId", nodeId)
        .put("connections", sessions.size())
        .put("users", users)
        .put("rooms", named);
  }

  /** The users with a connection in {@code room}, cluster-wide (asks each node that holds it). */
  public static Future<List<String>> roomMembers(io.vertx.core.Vertx vertx, RoomDirectory directory, String room) {
    DeliveryOptions opts = new DeliveryOptions().addHeader(ACTION, ROOM_MEMBERS).setSendTimeout(2000);
    return directory.nodes(room).compose(nodes -> {
      List<Future<JsonObject>> asks = new ArrayList<>();
      for (String n : nodes) {
        asks.add(vertx.eventBus().<JsonObject>request(Addresses.node(n), new JsonObject().put("room", room), opts)
            .map(Message::body));
      }
      return Future.all(asks).map(all -> {
        Set<String> users = new java.util.TreeSet<>();
        for (int i = 0; i < asks.size(); i++) {
          all.<JsonObject>resultAt(i).getJsonArray("users").forEach(u -> users.add((String) u));
        }
        return new ArrayList<>(users);
      });
    });
  }

  /** Asks each node for its local counts; nodes that do not answer in time are left out. */
  public static Future<List<JsonObject>> nodeStats(io.vertx.core.Vertx vertx, Collection<String> nodeIds) {
    List<Future<JsonObject>> asks = new ArrayList<>();
    DeliveryOptions opts = new DeliveryOptions().addHeader(ACTION, STATS).setSendTimeout(2000);
    for (String n : nodeIds) {
      asks.add(vertx.eventBus().<JsonObject>request(Addresses.node(n), new JsonObject(), opts)
          .map(Message::body)
          .otherwise((JsonObject) null));
    }
    return Future.all(asks).map(all -> {
      List<JsonObject> out = new ArrayList<>();
      for (int i = 0; i < asks.size(); i++) {
        if (all.resultAt(i) != null) {
          out.add(all.resultAt(i));
        }
      }
      return out;
    });
  }
}

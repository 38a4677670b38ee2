package io.herald.routing;

import io.herald.cluster.Addresses;
import io.herald.protocol.Frame;
import io.herald.protocol.ProtocolException;
import io.herald.protocol.SendRequests;
import io.herald.room.LocalRooms;
import io.herald.room.RoomDirectory;
import io.herald.room.RoomPolicy;
import io.herald.session.Session;
import io.herald.session.SessionRegistry;
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
  /** Event-bus failure code when the cluster index cannot be read. */
  public static final int UNAVAILABLE = 503;
  static final String ACTION = "action";
  static final String DELIVER = "deliver";
  static final String STATS = "stats";

  private final String nodeId;
  private final RoomDirectory directory;
  private final LocalRooms rooms;
  private final SessionRegistry sessions;

  public RoutingVerticle(String nodeId, RoomDirectory directory, LocalRooms rooms, SessionRegistry sessions) {
    this.nodeId = nodeId;
    this.directory = directory;
    this.rooms = rooms;
    this.sessions = sessions;
  }

  @Override
  public Future<?> start() {
    EventBus eb = vertx.eventBus();
    List<MessageConsumer<JsonObject>> consumers = List.of(
        eb.consumer(Addresses.SEND_USER, m -> handle(m, this::sendUser)),
        eb.consumer(Addresses.SEND_USERS, m -> handle(m, this::sendUsers)),
        eb.consumer(Addresses.SEND_ROOM, m -> handle(m, this::sendRoom)),
        eb.consumer(Addresses.BROADCAST, m -> handle(m, this::broadcast)),
        eb.consumer(Addresses.NOTIFY_USER, m -> handle(m, this::notifyUser)),
        eb.consumer(Addresses.node(nodeId), this::onNodeMessage),
        eb.consumer(Addresses.NODES_BROADCAST, m -> deliverToAll(m.body().getString("frame"))));
    List<Future<Void>> registered = new ArrayList<>();
    consumers.forEach(c -> registered.add(c.completion()));
    return Future.all(registered);
  }

  private void handle(Message<JsonObject> msg, Function<JsonObject, Future<JsonObject>> action) {
    Future<JsonObject> result;
    try {
      JsonObject body = msg.body();
      if (body == null) {
        throw new ProtocolException(io.herald.protocol.ErrorCode.BAD_REQUEST, "body must be a JSON object");
      }
      result = action.apply(body);
    } catch (ProtocolException e) {
      msg.fail(BAD_REQUEST, e.getMessage());
      return;
    } catch (ClassCastException e) {
      msg.fail(BAD_REQUEST, "body must be a JSON object");
      return;
    }
    result.onSuccess(msg::reply).onFailure(err -> {
      log.warn("routing failed: {}", err.toString());
      msg.fail(UNAVAILABLE, "cluster index unavailable: " + err.getMessage());
    });
  }

  private Future<JsonObject> sendUser(JsonObject body) {
    String userId = SendRequests.userId(body, "userId");
    String event = SendRequests.event(body, "event");
    Object data = SendRequests.payload(body, "data", false);
    return toRoom(RoomPolicy.userRoom(userId), Frame.encode(event, data, null, null));
  }

  private Future<JsonObject> notifyUser(JsonObject body) {
    String userId = SendRequests.userId(body, "userId");
    JsonObject notification = SendRequests.notification(body);
    return toRoom(RoomPolicy.userRoom(userId), Frame.encode("notification", notification, null, null));
  }

  private Future<JsonObject> sendUsers(JsonObject body) {
    List<String> userIds = SendRequests.userIds(body, "userIds");
    String event = SendRequests.event(body, "event");
    Object data = SendRequests.payload(body, "data", false);
    String frame = Frame.encode(event, data, null, null);
    List<String> userRooms = new ArrayList<>(userIds.size());
    userIds.forEach(u -> userRooms.add(RoomPolicy.userRoom(u)));
    return directory.nodes(userRooms).map(byRoom -> {
      Map<String, JsonArray> roomsPerNode = new HashMap<>();
      byRoom.forEach((room, nodes) -> nodes.forEach(n -> roomsPerNode.computeIfAbsent(n, k -> new JsonArray()).add(room)));
      roomsPerNode.forEach((node, rs) -> deliverTo(node, rs, frame));
      return new JsonObject().put("delivered", byRoom.size());
    });
  }

  private Future<JsonObject> sendRoom(JsonObject body) {
    String room = SendRequests.room(body, "room");
    RoomPolicy.validateName(room);
    String event = SendRequests.event(body, "event");
    Object data = SendRequests.payload(body, "data", false);
    return toRoom(room, Frame.encode(event, data, room, null));
  }

  private Future<JsonObject> broadcast(JsonObject body) {
    String event = SendRequests.event(body, "event");
    Object data = SendRequests.payload(body, "data", false);
    vertx.eventBus().publish(Addresses.NODES_BROADCAST, new JsonObject().put("frame", Frame.encode(event, data, null, null)));
    return Future.succeededFuture(new JsonObject());
  }

  /** Sends a frame to every node holding the room; replies whether any node did. */
  private Future<JsonObject> toRoom(String room, String frame) {
    return directory.nodes(room).map(nodes -> {
      JsonArray rs = new JsonArray().add(room);
      nodes.forEach(n -> deliverTo(n, rs, frame));
      return new JsonObject().put("delivered", !nodes.isEmpty());
    });
  }

  private void deliverTo(String node, JsonArray roomNames, String frame) {
    vertx.eventBus().send(Addresses.node(node), new JsonObject().put("rooms", roomNames).put("frame", frame),
        new DeliveryOptions().addHeader(ACTION, DELIVER));
  }

  private void onNodeMessage(Message<JsonObject> msg) {
    String action = msg.headers().get(ACTION);
    if (STATS.equals(action)) {
      msg.reply(localStats());
      return;
    }
    JsonObject body = msg.body();
    String frame = body.getString("frame");
    JsonArray roomNames = body.getJsonArray("rooms");
    if (roomNames.size() == 1) {
      for (Session s : rooms.members(roomNames.getString(0))) {
        s.deliver(frame);
      }
      return;
    }
    Set<Session> targets = new HashSet<>();
    for (Object r : roomNames) {
      targets.addAll(rooms.members((String) r));
    }
    targets.forEach(s -> s.deliver(frame));
  }

  private void deliverToAll(String frame) {
    for (Session s : sessions.all()) {
      s.deliver(frame);
    }
  }

  private JsonObject localStats() {
    Map<String, Integer> counts = rooms.counts();
    int users = 0;
    for (String room : counts.keySet()) {
      users += RoomPolicy.prefix(room).equals("user") ? 1 : 0;
    }
    return new JsonObject()
        .put("nodeId", nodeId)
        .put("connections", sessions.size())
        .put("users", users)
        .put("rooms", counts.size() - users);
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

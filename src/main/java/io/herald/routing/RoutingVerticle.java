package io.herald.routing;

import io.herald.cluster.Addresses;
import io.herald.config.HeraldConfig;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.ProtocolException;
import io.herald.protocol.SendRequests;
import io.herald.room.LocalMembers;
import io.herald.room.LocalRooms;
import io.herald.room.RoomPolicy;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.herald.metrics.HeraldMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routing's event-bus face, one per node: the producer addresses ({@code herald.send.*}, any node's
 * instance takes a request) parse a body into a {@link ProducerRequest} and hand it to the node's
 * {@link Publisher}; this node's {@code herald.node.{id}} consumer hands the frames other nodes
 * route here to the {@link LocalFanOut}, and answers stats and room-member queries; broadcasts
 * arrive on {@code herald.nodes.broadcast}. These few consumers are the only event-bus
 * registrations routing makes: rooms and users cost none.
 */
public final class RoutingVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(RoutingVerticle.class);
  /** Event-bus failure code for a refused body (the message names the field). */
  public static final int BAD_REQUEST = ErrorCode.BAD_REQUEST.httpStatus();
  /** Event-bus failure code when the notification store is down or slow (nothing was delivered). */
  public static final int STORE_UNAVAILABLE = ErrorCode.STORE_UNAVAILABLE.httpStatus();
  /** Event-bus failure code when the cluster index cannot be read or the store failed otherwise. */
  public static final int UNAVAILABLE = ErrorCode.INTERNAL.httpStatus();
  /** Event-bus failure code for a stored send over notifications.max-batch-rows or -bytes (nothing stored). */
  public static final int PAYLOAD_TOO_LARGE = ErrorCode.PAYLOAD_TOO_LARGE.httpStatus();
  static final String ACTION = "action";
  static final String DELIVER = "deliver";
  private static final DeliveryOptions DELIVER_OPTIONS = new DeliveryOptions().addHeader(ACTION, DELIVER);
  static final String STATS = "stats";
  static final String ROOM_MEMBERS = "room-members";
  /** Body field (or event-bus header) restricting a delivery to Socket.IO sessions of one namespace. */
  public static final String NAMESPACE = "namespace";

  private final String nodeId;
  private final LocalRooms rooms;
  private final LocalMembers sessions;
  private final Publisher publisher;
  private final LocalFanOut fanOut;
  private final ProducerRequest.Limits limits;
  private final DirectMessages directMessages;

  public RoutingVerticle(HeraldConfig config, String nodeId, LocalRooms rooms, LocalMembers sessions, Publisher publisher,
      DirectMessages directMessages) {
    this.directMessages = directMessages;
    this.nodeId = nodeId;
    this.rooms = rooms;
    this.sessions = sessions;
    this.publisher = publisher;
    this.fanOut = new LocalFanOut(rooms, sessions, () -> HeraldMetrics.of(vertx));
    this.limits = ProducerRequest.Limits.of(config);
  }

  @Override
  public Future<?> start() {
    EventBus eb = vertx.eventBus();
    List<MessageConsumer<?>> consumers = List.of(
        eb.<JsonObject>consumer(Addresses.SEND_USER, m -> handle(m, b -> ProducerRequest.toUser(b, "data", false))),
        eb.<JsonObject>consumer(Addresses.SEND_USERS, m -> handle(m, b -> ProducerRequest.toUsers(b, "data", false, limits))),
        eb.<JsonObject>consumer(Addresses.SEND_ROOM, m -> handle(m, b -> ProducerRequest.toRoom(SendRequests.room(b, "room"), b, limits))),
        eb.<JsonObject>consumer(Addresses.BROADCAST, m -> handle(m, b -> ProducerRequest.broadcast(b, "data"))),
        eb.<JsonObject>consumer(Addresses.NOTIFY_USER, m -> handle(m, ProducerRequest::notify)),
        eb.<Object>consumer(Addresses.node(nodeId), this::onNodeMessage),
        eb.<NodeMessage>consumer(Addresses.NODES_BROADCAST, m -> fanOut.deliver(m.body())),
        eb.<NodeMessage>localConsumer(Addresses.ROUTE_FRAME, m -> publisher.route(m.body()).onComplete(ar -> m.reply(null))),
        eb.<JsonObject>localConsumer(Addresses.ROUTE_DIRECT_MESSAGE, this::onDirectMessage));
    List<Future<Void>> registered = new ArrayList<>();
    consumers.forEach(c -> registered.add(c.completion()));
    return Future.all(registered);
  }

  /** Parses (the namespace header counts as the body field), publishes, and answers with a failure code. */
  private void handle(Message<JsonObject> msg, Function<JsonObject, ProducerRequest> parse) {
    long start = System.nanoTime();
    HeraldMetrics metrics = HeraldMetrics.of(vertx);
    ProducerRequest request;
    try {
      JsonObject body = msg.body();
      if (body == null) {
        throw new ProtocolException(ErrorCode.BAD_REQUEST, "body must be a JSON object");
      }
      String nsHeader = msg.headers().get(NAMESPACE);
      if (nsHeader != null && !body.containsKey(NAMESPACE)) {
        body = body.copy().put(NAMESPACE, nsHeader);
      }
      request = parse.apply(body);
    } catch (ProtocolException e) {
      fail(msg, metrics, start, failureCode(e), e.getMessage());
      return;
    } catch (ClassCastException e) {
      fail(msg, metrics, start, BAD_REQUEST, "body must be a JSON object");
      return;
    }
    publisher.publish(request).onSuccess(reply -> {
      metrics.producerRequest("eventbus", msg.address(), "ok", System.nanoTime() - start);
      msg.reply(reply);
    }).onFailure(err -> {
      if (err instanceof ProtocolException pe && failureCode(pe) != UNAVAILABLE) {
        fail(msg, metrics, start, failureCode(pe), pe.getMessage());
      } else {
        log.warn("routing failed: {}", err.toString());
        fail(msg, metrics, start, UNAVAILABLE, "routing failed: " + err.getMessage());
      }
    });
  }

  private static void fail(Message<JsonObject> msg, HeraldMetrics metrics, long start, int code, String message) {
    metrics.producerRequest("eventbus", msg.address(), Integer.toString(code), System.nanoTime() - start);
    msg.fail(code, message);
  }

  /** 400, 413 and 503 (store) carry their ErrorCode's status; anything else is 500. */
  private static int failureCode(ProtocolException e) {
    return switch (e.code()) {
      case BAD_REQUEST, PAYLOAD_TOO_LARGE, STORE_UNAVAILABLE -> e.code().httpStatus();
      default -> UNAVAILABLE;
    };
  }

  /** Hands {@code m} to the routing verticle of {@code node}, which writes it to its local members. */
  static void deliverTo(Vertx vertx, String node, NodeMessage m) {
    vertx.eventBus().send(Addresses.node(node), m, DELIVER_OPTIONS);
  }

  /** A session's direct message: the reply is the message:sent data, a failure carries its ErrorCode's status. */
  private void onDirectMessage(Message<JsonObject> msg) {
    JsonObject b = msg.body();
    directMessages.send(b.getString("senderId"), b.getString("sessionId"), b.getString("receiverId"), b.getString("content"),
            b.getString("clientMessageId"))
        .onSuccess(msg::reply)
        .onFailure(err -> {
          ErrorCode code = err instanceof ProtocolException pe ? pe.code() : ErrorCode.INTERNAL;
          if (code == ErrorCode.INTERNAL) {
            log.warn("direct message failed: {}", err.toString());
          }
          msg.fail(code.httpStatus(), code.name() + ": " + err.getMessage());
        });
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
      if (RoomPolicy.isUserRoom(room)) {
        users++;
      } else if (!RoomPolicy.isInternal(room)) {
        named++;
      }
    }
    return new JsonObject()
        .put("nodeId", nodeId)
        .put("connections", sessions.size())
        .put("users", users)
        .put("rooms", named)
        .put("messages", directMessages.sent());
  }
}

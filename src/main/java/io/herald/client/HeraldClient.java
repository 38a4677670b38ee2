package io.herald.client;

import io.herald.cluster.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java facade for producers running as verticles in the Herald cluster (docs/event-bus.md).
 *
 * <p>Every call is safe in the caller's business path: it never throws and its future never fails.
 * A failure (bad argument, no Herald node, timeout) is logged and reported as {@code false} /
 * {@code 0}, so a failure to notify never fails the operation that triggered it.
 */
public final class HeraldClient {
  private static final Logger log = LoggerFactory.getLogger(HeraldClient.class);

  private final Vertx vertx;
  private final DeliveryOptions options;

  private HeraldClient(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs);
  }

  /** A client on a clustered Vert.x instance; requests time out after 5 s. */
  public static HeraldClient create(Vertx vertx) {
    return new HeraldClient(vertx, 5000);
  }

  public static HeraldClient create(Vertx vertx, long timeoutMs) {
    return new HeraldClient(vertx, timeoutMs);
  }

  /** Sends {@code {"event","data"}} to every socket of the user. True when some node held one. */
  public Future<Boolean> sendToUser(String userId, String event, Object data) {
    return delivered(Addresses.SEND_USER, new JsonObject().put("userId", userId).put("event", event).put("data", data));
  }

  /** Sends to the sockets of several users. Completes with how many of them were connected. */
  public Future<Integer> sendToUsers(Collection<String> userIds, String event, Object data) {
    JsonObject body = new JsonObject().put("userIds", new JsonArray(java.util.List.copyOf(userIds)))
        .put("event", event).put("data", data);
    return request(Addresses.SEND_USERS, body).map(r -> r == null ? 0 : r.getInteger("delivered", 0));
  }

  /** Sends to every member of a room; the frame carries {@code "room"}. */
  public Future<Boolean> sendToRoom(String room, String event, Object data) {
    return delivered(Addresses.SEND_ROOM, new JsonObject().put("room", room).put("event", event).put("data", data));
  }

  /** Sends to every connected client of the cluster. True when accepted. */
  public Future<Boolean> broadcast(String event, Object data) {
    return request(Addresses.BROADCAST, new JsonObject().put("event", event).put("data", data)).map(r -> r != null);
  }

  /** Sends a {@code notification} event ({@code type} is info, success, warning or error). */
  public Future<Boolean> notify(String userId, String type, String title, String message, JsonObject data) {
    return delivered(Addresses.NOTIFY_USER, new JsonObject()
        .put("userId", userId).put("type", type).put("title", title).put("message", message).put("data", data));
  }

  private Future<Boolean> delivered(String address, JsonObject body) {
    return request(address, body).map(r -> r != null && r.getBoolean("delivered", false));
  }

  /** The reply body, or null after logging the failure. */
  private Future<JsonObject> request(String address, JsonObject body) {
    try {
      return vertx.eventBus().<JsonObject>request(address, body, options)
          .map(Message::body)
          .otherwise(err -> {
            log.warn("Herald {} failed: {}", address, err.getMessage());
            return null;
          });
    } catch (RuntimeException e) {
      log.warn("Herald {} failed: {}", address, e.toString());
      return Future.succeededFuture(null);
    }
  }
}

package io.herald.routing;

import io.herald.config.HeraldConfig;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.ProtocolException;
import io.herald.protocol.SendRequests;
import io.herald.protocol.Utf8;
import io.herald.room.RoomPolicy;
import io.herald.store.NewNotification;
import io.herald.store.PgText;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A producer's request, validated once, whichever way it came (the REST API or a
 * {@code herald.send.*} address): each record is only made by the parse methods here, which
 * throw a {@link ProtocolException} naming the field, so a {@link Publisher} never sees a bad one.
 * A request whose items are stored carries them already built ({@link NewNotification}).
 */
public sealed interface ProducerRequest {
  /** The Socket.IO namespace the delivery is restricted to, or null. */
  String namespace();

  /** One user's sessions; stored first when {@code stored} is not null. */
  record ToUser(String userId, String event, Object data, NewNotification stored, Object priority, String namespace)
      implements ProducerRequest {}

  /** Several users' sessions; stored first (one transaction) when {@code stored} is not null. */
  record ToUsers(List<String> userIds, String event, Object data, List<NewNotification> stored, Object priority,
                 String namespace) implements ProducerRequest {}

  /** A room's members on every node; kept in the room's history first when {@code persist}. */
  record ToRoom(String room, String event, Object data, boolean persist, String namespace) implements ProducerRequest {}

  /** Every session of every node. */
  record Broadcast(String event, Object data, String namespace) implements ProducerRequest {}

  /**
   * The per-request limits of stored sends ({@code notifications.max-batch-rows}, {@code
   * notifications.max-batch-bytes}).
   */
  record Limits(int maxBatchRows, long maxBatchBytes, List<String> historyPrefixes) {
    public static Limits of(HeraldConfig config) {
      return new Limits(config.maxBatchRows, config.maxBatchBytes, config.roomHistoryPrefixes);
    }
  }

  /**
   * {@code send} / {@code POST /api/notifications/send}: a {@code notification} event, or any event
   * with {@code persist: true}, is stored first. {@code dataField} is {@code data} on the event bus,
   * {@code message} on REST (where it is required).
   */
  static ToUser toUser(JsonObject body, String dataField, boolean dataRequired) {
    String userId = SendRequests.userId(body, "userId");
    String event = SendRequests.event(body, "event");
    Object data = SendRequests.payload(body, dataField, dataRequired);
    String ns = SendRequests.namespace(body);
    NewNotification stored = persisted(event, body) ? toStore(userId, event, data) : null;
    return new ToUser(userId, event, data, stored, priority(data), ns);
  }

  /** {@code notify} / {@code POST /api/notifications}: always stored. */
  static ToUser notify(JsonObject body) {
    String userId = SendRequests.userId(body, "userId");
    JsonObject n = SendRequests.notification(body);
    NewNotification stored = stored(userId, NewNotification.DEFAULT_EVENT, n.getString("type"), n.getString("title"),
        n.getString("message"), n.getValue("data"));
    return new ToUser(userId, NewNotification.DEFAULT_EVENT, null, stored, body.getValue("priority"),
        SendRequests.namespace(body));
  }

  /** {@code send-many}: one stored row per user when persisted, bounded by {@code limits}. */
  static ToUsers toUsers(JsonObject body, String dataField, boolean dataRequired, Limits limits) {
    List<String> userIds = SendRequests.userIds(body, "userIds");
    String event = SendRequests.event(body, "event");
    Object data = SendRequests.payload(body, dataField, dataRequired);
    String ns = SendRequests.namespace(body);
    List<NewNotification> stored = null;
    if (persisted(event, body)) {
      checkBatchSize(userIds.size(), data, limits);
      stored = new ArrayList<>(userIds.size());
      for (String u : userIds) {
        stored.add(toStore(u, event, data));
      }
    }
    return new ToUsers(userIds, event, data, stored, priority(data), ns);
  }

  /**
   * {@code send-room} / {@code POST /api/rooms/{room}/events}; {@code room} from the body or the
   * path. {@code persist: true} keeps it in the room's history, for rooms whose prefix
   * {@code rooms.history-prefixes} lists.
   */
  static ToRoom toRoom(String room, JsonObject body, Limits limits) {
    RoomPolicy.validateName(room);
    boolean persist = Boolean.TRUE.equals(body.getValue("persist"));
    if (persist && !limits.historyPrefixes().contains(RoomPolicy.prefix(room))) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "persist: " + room + " keeps no history (rooms.history-prefixes does not list '"
          + RoomPolicy.prefix(room) + "')");
    }
    String event = SendRequests.event(body, "event");
    Object data = SendRequests.payload(body, "data", false);
    if (persist) {
      try {
        PgText.check("event", event);
        PgText.checkJson("data", data);
      } catch (IllegalArgumentException e) {
        throw new ProtocolException(ErrorCode.BAD_REQUEST, e.getMessage());
      }
    }
    return new ToRoom(room, event, data, persist, SendRequests.namespace(body));
  }

  /** {@code broadcast}; {@code dataField} as for {@link #toUser}. */
  static Broadcast broadcast(JsonObject body, String dataField) {
    return new Broadcast(SendRequests.event(body, "event"), SendRequests.payload(body, dataField, false),
        SendRequests.namespace(body));
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
      return stored(userId, event, n.getString("type"), n.getString("title"), n.getString("message"), n.getValue("data"));
    }
    return stored(userId, event, null, null, null, data);
  }

  /** A row to store; what the database would refuse (a NUL character) is a 400 naming the field. */
  private static NewNotification stored(String userId, String event, String type, String title, String message, Object data) {
    try {
      return new NewNotification(userId, event, type, title, message, data);
    } catch (IllegalArgumentException e) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, e.getMessage());
    }
  }

  /** A notification payload's {@code priority} (push: "high" pushes even to connected users). */
  private static Object priority(Object data) {
    return data instanceof JsonObject payload ? payload.getValue("priority") : null;
  }

  /**
   * One stored send-many writes one row per user in one transaction: it is bounded in rows and in
   * bytes (the payload times the users) before anything is stored, so a request under the body
   * limit cannot make the store copy it a thousand times.
   */
  private static void checkBatchSize(int rows, Object data, Limits limits) {
    if (rows > limits.maxBatchRows()) {
      throw new ProtocolException(ErrorCode.PAYLOAD_TOO_LARGE, "a stored send-many holds at most " + limits.maxBatchRows()
          + " users (notifications.max-batch-rows); split it");
    }
    long bytes = (long) rows * Utf8.length(Json.encode(data));
    if (bytes > limits.maxBatchBytes()) {
      throw new ProtocolException(ErrorCode.PAYLOAD_TOO_LARGE, "a stored send-many may store at most " + limits.maxBatchBytes()
          + " bytes (notifications.max-batch-bytes); this one is " + rows + " users x its payload = " + bytes + " bytes");
    }
  }
}

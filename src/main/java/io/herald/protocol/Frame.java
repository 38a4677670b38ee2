package io.herald.protocol;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * One client-to-server frame of the JSON protocol: {@code {"event", "data", "id"}}, and the
 * encoders for server-to-client frames. Parsing never throws: a bad frame becomes a {@link
 * ProtocolException} carrying the error code the client gets.
 */
public record Frame(String event, JsonObject data, Object id) {

  /** Parses a text frame; {@code data} is an empty object when absent. */
  public static Frame parse(String text) {
    JsonObject json;
    try {
      json = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "frame is not a JSON object", null);
    }
    Object id = json.getValue("id");
    if (id != null && !(id instanceof Number) && !(id instanceof String)) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "id must be a number or a string", null);
    }
    Object event = json.getValue("event");
    if (!(event instanceof String name) || name.isEmpty()) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "frame has no event", id);
    }
    Object data = json.getValue("data");
    if (data != null && !(data instanceof JsonObject)) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "data must be a JSON object", id);
    }
    return new Frame(name, data == null ? new JsonObject() : (JsonObject) data, id);
  }

  /** A server frame {@code {"event","data"}}, plus {@code room} and {@code id} when not null. */
  public static String encode(String event, Object data, String room, Object id) {
    JsonObject f = new JsonObject().put("event", event).put("data", data);
    if (room != null) {
      f.put("room", room);
    }
    if (id != null) {
      f.put("id", id);
    }
    return f.encode();
  }

  /** A frame of a stored item: {@code {"event","data","notificationId"}}. */
  public static String persisted(String event, Object data, long notificationId) {
    return new JsonObject().put("event", event).put("data", data).put("notificationId", notificationId).encode();
  }

  /** An {@code error} frame. */
  public static String error(ErrorCode code, String message, Object id) {
    return encode("error", new JsonObject().put("code", code.name()).put("message", message), null, id);
  }
}

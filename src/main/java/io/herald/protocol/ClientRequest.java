package io.herald.protocol;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * One client request, whatever transport it came over: an event name, its data (a JSON object) and
 * the id its reply carries (a number or a string, or null). The JSON protocol's text frame
 * {@code {"event","data","id"}} is {@link #parse}d into one; Socket.IO and the event-bus bridge
 * build one with {@link #of}. Building never throws anything but a {@link ProtocolException}
 * carrying the error code the client gets.
 */
public record ClientRequest(String event, JsonObject data, Object id) {

  /** Parses a text frame of the JSON protocol; {@code data} is an empty object when absent. */
  public static ClientRequest parse(String text) {
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
    return of(json.getValue("event"), json.getValue("data"), id);
  }

  /** A request from its parts, checked as a parsed frame's are. */
  public static ClientRequest of(Object event, Object data, Object id) {
    if (!(event instanceof String name) || name.isEmpty()) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "frame has no event", id);
    }
    if (data != null && !(data instanceof JsonObject)) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "data must be a JSON object", id);
    }
    return new ClientRequest(name, data == null ? new JsonObject() : (JsonObject) data, id);
  }
}

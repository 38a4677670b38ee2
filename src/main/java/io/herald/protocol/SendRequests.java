package io.herald.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Validation of producer requests, shared by the REST API and the event-bus addresses so both
 * refuse the same bodies with the same messages (naming the field).
 */
public final class SendRequests {
  public static final int MAX_EVENT_NAME = 128;
  /** One send-many; also the largest batch the store writes in one transaction. */
  public static final int MAX_USER_IDS = 1000;
  public static final List<String> NOTIFICATION_TYPES = List.of("info", "success", "warning", "error");

  private SendRequests() {}

  public static String userId(JsonObject body, String field) {
    Object v = body.getValue(field);
    if ((v instanceof String s && !s.isBlank()) || v instanceof Number) {
      return v.toString();
    }
    throw bad(field + " is required and must be a string or a number");
  }

  public static List<String> userIds(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (!(v instanceof JsonArray a) || a.isEmpty()) {
      throw bad(field + " is required and must be a non-empty array");
    }
    if (a.size() > MAX_USER_IDS) {
      throw bad(field + " has more than " + MAX_USER_IDS + " ids");
    }
    Set<String> out = new LinkedHashSet<>();
    for (Object o : a) {
      if (!((o instanceof String s && !s.isBlank()) || o instanceof Number)) {
        throw bad(field + " must hold strings or numbers");
      }
      out.add(o.toString());
    }
    return new ArrayList<>(out);
  }

  public static String event(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (!(v instanceof String s) || s.isEmpty() || s.length() > MAX_EVENT_NAME) {
      throw bad(field + " is required and must be a string of 1-" + MAX_EVENT_NAME + " characters");
    }
    return s;
  }

  public static Object payload(JsonObject body, String field, boolean required) {
    if (required && !body.containsKey(field)) {
      throw bad(field + " is required");
    }
    return body.getValue(field);
  }

  /** The notification payload clients receive: {type, title, message, data, timestamp}. */
  public static JsonObject notification(JsonObject body) {
    Object type = body.getValue("type", "info");
    if (!(type instanceof String t) || !NOTIFICATION_TYPES.contains(t)) {
      throw bad("type must be one of " + NOTIFICATION_TYPES);
    }
    Object title = body.getValue("title");
    if (!(title instanceof String)) {
      throw bad("title is required and must be a string");
    }
    Object message = body.getValue("message");
    if (!(message instanceof String)) {
      throw bad("message is required and must be a string");
    }
    Object data = body.getValue("data");
    if (data != null && !(data instanceof JsonObject) && !(data instanceof JsonArray)) {
      throw bad("data must be a JSON object or array");
    }
    return new JsonObject()
        .put("type", type)
        .put("title", title)
        .put("message", message)
        .put("data", data)
        .put("timestamp", System.currentTimeMillis());
  }

  /** The optional Socket.IO namespace a delivery is restricted to ({@code "/dashboard"}), or null. */
  public static String namespace(JsonObject body) {
    Object v = body.getValue("namespace");
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s) || !s.startsWith("/") || s.length() > 128) {
      throw bad("namespace must be a Socket.IO namespace such as \"/dashboard\"");
    }
    return s;
  }

  public static String room(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (!(v instanceof String s) || s.isEmpty()) {
      throw bad(field + " is required and must be a string");
    }
    return s;
  }

  private static ProtocolException bad(String message) {
    return new ProtocolException(ErrorCode.BAD_REQUEST, message);
  }
}

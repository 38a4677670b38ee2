package io.herald.store;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/**
 * A notification to store. {@code event} is the client event name ({@value #DEFAULT_EVENT} unless a
 * producer persists a custom event); {@code data} is any JSON value (a JsonObject, JsonArray,
 * String, Number or Boolean) or null.
 */
public record NewNotification(String userId, String event, String type, String title, String message, Object data) {
  public static final String DEFAULT_EVENT = "notification";
  /** Longest user id and event name accepted. */
  public static final int MAX_NAME_LENGTH = 256;

  public NewNotification {
    if (userId == null || userId.isBlank() || userId.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException("userId must be 1.." + MAX_NAME_LENGTH + " characters");
    }
    if (event == null || event.isBlank()) {
      event = DEFAULT_EVENT;
    } else if (event.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException("event must be at most " + MAX_NAME_LENGTH + " characters");
    }
    PgText.check("userId", userId);
    PgText.check("event", event);
    PgText.check("type", type);
    PgText.check("title", title);
    PgText.check("message", message);
    PgText.checkJson("data", data);
  }

  /** A notification with the default event name. */
  public static NewNotification of(String userId, String type, String title, String message, Object data) {
    return new NewNotification(userId, DEFAULT_EVENT, type, title, message, data);
  }

  /** Reads {userId, event?, type?, title?, message?, data?}; throws IllegalArgumentException on a bad field. */
  public static NewNotification fromJson(JsonObject json) {
    if (json == null) {
      throw new IllegalArgumentException("body must be a JSON object");
    }
    return new NewNotification(text(json, "userId"), text(json, "event"), text(json, "type"),
        text(json, "title"), text(json, "message"), json.getValue("data"));
  }

  /** The string at {@code key}, or null when absent; anything but a string is refused. */
  static String text(JsonObject json, String key) {
    Object v = json.getValue(key);
    if (v != null && !(v instanceof String)) {
      throw new IllegalArgumentException(key + " must be a string");
    }
    return (String) v;
  }

  /** {@code data} as JSON text for a jsonb column, or null. */
  String dataText() {
    return data == null ? null : Json.encode(data);
  }
}

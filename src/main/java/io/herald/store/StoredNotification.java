package io.herald.store;

import io.vertx.core.json.JsonObject;

/**
 * A stored notification. {@code id} increases in commit order per user (see {@link
 * NotificationStore}); {@code timestamp} is the insert time in epoch milliseconds.
 */
public record StoredNotification(long id, String userId, String event, String type, String title, String message,
                                 Object data, long timestamp, boolean read) {

  /** {"id","userId","event","type","title","message","data","timestamp","read"}. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("userId", userId)
        .put("event", event)
        .put("type", type)
        .put("title", title)
        .put("message", message)
        .put("data", data)
        .put("timestamp", timestamp)
        .put("read", read);
  }

  /**
   * The socket frame of a stored item, the same live and in replay: a notification's data is this
   * whole record; a persisted custom event's data is its payload. Both carry {@code notificationId},
   * the replay cursor.
   */
  public io.herald.protocol.ServerFrame toFrame() {
    Object frameData = NewNotification.DEFAULT_EVENT.equals(event) ? toJson() : data;
    return io.herald.protocol.ServerFrame.stored(event, frameData, id);
  }

  public static StoredNotification fromJson(JsonObject json) {
    return new StoredNotification(json.getLong("id"), json.getString("userId"), json.getString("event"),
        json.getString("type"), json.getString("title"), json.getString("message"), json.getValue("data"),
        json.getLong("timestamp"), json.getBoolean("read", false));
  }
}

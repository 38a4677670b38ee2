package io.herald.store;

import io.herald.protocol.ServerFrame;
import io.vertx.core.json.JsonObject;

/**
 * An event kept in a room's history. {@code id} increases in commit order per room; {@code from}
 * is the publishing member, or null for a backend's event; {@code timestamp} is epoch milliseconds.
 */
public record RoomEvent(long id, String room, String event, Object data, String from, long timestamp) {

  /** {"id","room","event","data","from","timestamp"}: a get-room-history item. */
  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("room", room).put("event", event).put("data", data).put("from", from)
        .put("timestamp", timestamp);
  }

  public static RoomEvent fromJson(JsonObject json) {
    return new RoomEvent(json.getLong("id"), json.getString("room"), json.getString("event"), json.getValue("data"),
        json.getString("from"), json.getLong("timestamp"));
  }

  /** The frame members get, live and in a replay: the event, its room, who published it, and its history id. */
  public ServerFrame toFrame() {
    return ServerFrame.roomEvent(event, data, room, from, id);
  }
}

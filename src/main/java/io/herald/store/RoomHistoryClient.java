package io.herald.store;

import io.herald.cluster.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** How the other verticles reach this node's room history ({@code herald.store.room.*}); failures as {@link StoreClient}'s. */
public final class RoomHistoryClient {
  private final Vertx vertx;

  public RoomHistoryClient(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Keeps an event of {@code room}; {@code from} is the publishing member, or null for a backend. */
  public Future<RoomEvent> insert(String room, String event, Object data, String from) {
    return request("insert", new JsonObject().put("room", room).put("event", event).put("data", data).put("from", from))
        .map(RoomEvent::fromJson);
  }

  /** The events after {@code afterId}, oldest first, at most {@code limit}. */
  public Future<List<RoomEvent>> after(String room, long afterId, int limit) {
    return request("after", new JsonObject().put("room", room).put("afterId", afterId).put("limit", limit)).map(reply -> {
      List<RoomEvent> out = new ArrayList<>();
      reply.getJsonArray("items").forEach(o -> out.add(RoomEvent.fromJson((JsonObject) o)));
      return out;
    });
  }

  /** {"room","items","nextBefore"}, newest first. */
  public Future<JsonObject> page(String room, Long before, int limit) {
    return request("page", new JsonObject().put("room", room).put("before", before).put("limit", limit));
  }

  private Future<JsonObject> request(String action, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(Addresses.STORE_ROOM_PREFIX + action, body, Addresses.LOCAL)
        .map(Message::body)
        .recover(err -> Future.failedFuture(StoreClient.translate(err)));
  }
}

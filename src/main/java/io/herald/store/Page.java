package io.herald.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One page of a user's history, newest first. {@code nextBefore} is the {@code before} argument for
 * the next (older) page, or null when there is none.
 */
public record Page(List<StoredNotification> items, Long nextBefore) {
  public Page {
    items = List.copyOf(items);
  }

  /** {"items": [...], "nextBefore": id or null}. */
  public JsonObject toJson() {
    JsonArray array = new JsonArray();
    items.forEach(n -> array.add(n.toJson()));
    return new JsonObject().put("items", array).put("nextBefore", nextBefore);
  }

  public static Page fromJson(JsonObject json) {
    List<StoredNotification> items = json.getJsonArray("items").stream()
        .map(o -> StoredNotification.fromJson((JsonObject) o))
        .toList();
    return new Page(items, json.getLong("nextBefore"));
  }
}

package io.herald.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Who a verified token speaks for: the user id, their roles, the room patterns the token grants,
 * the users whose status it may subscribe to (under the 'claim' presence policy), the users it may
 * send direct messages to (under the 'claim' messaging policy), and when it
 * expires (epoch seconds, 0 = never).
 */
public record Principal(String userId, List<String> roles, List<String> roomPatterns, List<String> presencePatterns,
    List<String> messagePatterns, long expiresAt) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("userId", userId)
        .put("roles", new JsonArray(roles))
        .put("rooms", new JsonArray(roomPatterns))
        .put("presence", new JsonArray(presencePatterns))
        .put("messages", new JsonArray(messagePatterns))
        .put("expiresAt", expiresAt);
  }

  public static Principal fromJson(JsonObject json) {
    return new Principal(
        json.getString("userId"),
        strings(json.getJsonArray("roles")),
        strings(json.getJsonArray("rooms")),
        strings(json.getJsonArray("presence")),
        strings(json.getJsonArray("messages")),
        json.getLong("expiresAt", 0L));
  }

  public boolean hasAnyRole(List<String> wanted) {
    for (String r : roles) {
      if (wanted.contains(r)) {
        return true;
      }
    }
    return false;
  }

  private static List<String> strings(JsonArray a) {
    List<String> out = new ArrayList<>();
    if (a != null) {
      a.forEach(o -> out.add(String.valueOf(o)));
    }
    return List.copyOf(out);
  }
}

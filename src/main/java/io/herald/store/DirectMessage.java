package io.herald.store;

import io.vertx.core.json.JsonObject;

/**
 * A stored direct message. {@code conversationId} is {@code private:{a}:{b}} with the two user ids
 * sorted ({@link #conversationOf}); {@code timestamp} is the commit time in epoch milliseconds;
 * {@code clientMessageId} is the sender's own id for it, or null.
 */
public record DirectMessage(long id, String conversationId, String senderId, String receiverId, String content,
                            String clientMessageId, long timestamp) {
  public static final String CONVERSATION_PREFIX = "private:";

  /** The conversation of two users: {@code private:} and their ids in sorted order, joined by ':'. */
  public static String conversationOf(String a, String b) {
    return a.compareTo(b) <= 0 ? CONVERSATION_PREFIX + a + ":" + b : CONVERSATION_PREFIX + b + ":" + a;
  }

  /** {"id","senderId","receiverId","content","conversationId","timestamp","clientMessageId"?}: the {@code message:new} data. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("id", id)
        .put("senderId", senderId)
        .put("receiverId", receiverId)
        .put("content", content)
        .put("conversationId", conversationId)
        .put("timestamp", timestamp);
    if (clientMessageId != null) {
      json.put("clientMessageId", clientMessageId);
    }
    return json;
  }

  /** The {@code message:sent} data: {"id","clientMessageId","conversationId","timestamp"}. */
  public JsonObject sentReceipt() {
    return new JsonObject()
        .put("id", id)
        .put("clientMessageId", clientMessageId)
        .put("conversationId", conversationId)
        .put("timestamp", timestamp);
  }

  public static DirectMessage fromJson(JsonObject json) {
    return new DirectMessage(json.getLong("id"), json.getString("conversationId"), json.getString("senderId"),
        json.getString("receiverId"), json.getString("content"), json.getString("clientMessageId"),
        json.getLong("timestamp"));
  }
}

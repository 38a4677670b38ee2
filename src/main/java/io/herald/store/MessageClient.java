package io.herald.store;

import io.herald.cluster.Addresses;
import io.herald.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * How the other verticles reach this node's direct-message store ({@code herald.store.message.*}),
 * as {@link StoreClient} does for notifications. Failures are {@link ProtocolException}s:
 * STORE_UNAVAILABLE, BAD_REQUEST, FORBIDDEN (a block) or INTERNAL.
 */
public final class MessageClient {
  private final Vertx vertx;

  public MessageClient(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Stores a message (or finds the first one with that client id within the window). */
  public Future<PgMessageStore.Sent> send(String sender, String receiver, String content, String clientMessageId,
      long dedupWindowMs) {
    return request("send", new JsonObject().put("senderId", sender).put("receiverId", receiver).put("content", content)
        .put("clientMessageId", clientMessageId).put("dedupWindowMs", dedupWindowMs))
        .map(r -> new PgMessageStore.Sent(DirectMessage.fromJson(r.getJsonObject("message")), r.getBoolean("duplicate"),
            copy(r, "receiverCopy"), copy(r, "senderCopy")));
  }

  private static StoredNotification copy(JsonObject reply, String field) {
    JsonObject json = reply.getJsonObject(field);
    return json == null ? null : StoredNotification.fromJson(json);
  }

  /** {"items": [message...], "nextBefore"}: newest first. */
  public Future<JsonObject> history(String user, String with, Long before, int limit) {
    return request("history", new JsonObject().put("userId", user).put("with", with).put("before", before).put("limit", limit));
  }

  /** {"items": [conversation...], "nextBefore"}: the most recently active first. */
  public Future<JsonObject> conversations(String user, Long before, int limit) {
    return request("conversations", new JsonObject().put("userId", user).put("before", before).put("limit", limit));
  }

  /** Marks up to a received message; null when the user received no such message. */
  public Future<PgMessageStore.ReadMark> markRead(String user, long messageId) {
    return request("mark-read", new JsonObject().put("userId", user).put("messageId", messageId)).map(MessageClient::mark);
  }

  /** Marks a conversation up to {@code upTo} (all when null); null when it is not the user's. */
  public Future<PgMessageStore.ReadMark> markConversationRead(String user, String conversationId, Long upTo) {
    return request("mark-read", new JsonObject().put("userId", user).put("conversationId", conversationId).put("upTo", upTo))
        .map(MessageClient::mark);
  }

  private static PgMessageStore.ReadMark mark(JsonObject r) {
    return !r.getBoolean("found") ? null
        : new PgMessageStore.ReadMark(r.getString("conversationId"), r.getLong("upTo"), r.getString("peerId"), r.getLong("unread"));
  }

  public Future<Boolean> block(String user, String other) {
    return request("block", pair(user, other)).map(r -> r.getBoolean("changed"));
  }

  public Future<Boolean> unblock(String user, String other) {
    return request("unblock", pair(user, other)).map(r -> r.getBoolean("changed"));
  }

  /** Whether either user blocked the other. */
  public Future<Boolean> blocked(String user, String other) {
    return request("blocked", pair(user, other)).map(r -> r.getBoolean("blocked"));
  }

  private static JsonObject pair(String user, String other) {
    return new JsonObject().put("userId", user).put("otherId", other);
  }

  private Future<JsonObject> request(String action, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(Addresses.STORE_MESSAGE_PREFIX + action, body, Addresses.LOCAL)
        .map(Message::body)
        .recover(err -> Future.failedFuture(StoreClient.translate(err)));
  }
}

package io.herald.store;

import io.herald.cluster.Addresses;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The message addresses of the {@link StoreVerticle}: direct messages ({@code herald.store.message.*},
 * {@link PgMessageStore}) and room history ({@code herald.store.room.*}, {@link PgRoomHistory}).
 * Each parses its body and calls the store; replies and failures go through the verticle's handler,
 * so a database outage reads the same as for notifications.
 */
final class MessageConsumers {
  static final int FORBIDDEN = 403;

  private final PgMessageStore store;
  private final PgRoomHistory rooms;

  MessageConsumers(PgMessageStore store, PgRoomHistory rooms) {
    this.store = store;
    this.rooms = rooms;
  }

  List<MessageConsumer<JsonObject>> register(EventBus eb,
      BiConsumer<Message<JsonObject>, Function<JsonObject, io.vertx.core.Future<JsonObject>>> handle) {
    return List.of(
        eb.localConsumer(Addresses.STORE_MESSAGE_PREFIX + "send", m -> handle.accept(m, this::send)),
        eb.localConsumer(Addresses.STORE_MESSAGE_PREFIX + "history", m -> handle.accept(m, this::history)),
        eb.localConsumer(Addresses.STORE_MESSAGE_PREFIX + "conversations", m -> handle.accept(m, this::conversations)),
        eb.localConsumer(Addresses.STORE_MESSAGE_PREFIX + "mark-read", m -> handle.accept(m, this::markRead)),
        eb.localConsumer(Addresses.STORE_MESSAGE_PREFIX + "block", m -> handle.accept(m, b ->
            store.block(text(b, "userId"), text(b, "otherId")).map(changed -> new JsonObject().put("changed", changed)))),
        eb.localConsumer(Addresses.STORE_MESSAGE_PREFIX + "unblock", m -> handle.accept(m, b ->
            store.unblock(text(b, "userId"), text(b, "otherId")).map(changed -> new JsonObject().put("changed", changed)))),
        eb.localConsumer(Addresses.STORE_MESSAGE_PREFIX + "blocked", m -> handle.accept(m, b ->
            store.blocked(text(b, "userId"), text(b, "otherId")).map(blocked -> new JsonObject().put("blocked", blocked)))),
        eb.localConsumer(Addresses.STORE_ROOM_PREFIX + "insert", m -> handle.accept(m, b ->
            rooms.insert(text(b, "room"), text(b, "event"), b.getValue("data"), b.getString("from")).map(RoomEvent::toJson))),
        eb.localConsumer(Addresses.STORE_ROOM_PREFIX + "after", m -> handle.accept(m, b ->
            rooms.after(text(b, "room"), b.getLong("afterId", 0L), b.getInteger("limit", PgRoomHistory.MAX_PAGE)).map(list -> {
              io.vertx.core.json.JsonArray items = new io.vertx.core.json.JsonArray();
              list.forEach(e -> items.add(e.toJson()));
              return new JsonObject().put("items", items);
            }))),
        eb.localConsumer(Addresses.STORE_ROOM_PREFIX + "page", m -> handle.accept(m, b ->
            rooms.page(text(b, "room"), b.getLong("before"), b.getInteger("limit", 50)))));
  }

  private io.vertx.core.Future<JsonObject> send(JsonObject b) {
    return store.send(text(b, "senderId"), text(b, "receiverId"), text(b, "content"), b.getString("clientMessageId"),
        b.getLong("dedupWindowMs", 300_000L)).map(sent -> {
          JsonObject reply = new JsonObject().put("message", sent.message().toJson()).put("duplicate", sent.duplicate());
          if (!sent.duplicate()) {
            reply.put("receiverCopy", sent.receiverCopy().toJson()).put("senderCopy", sent.senderCopy().toJson());
          }
          return reply;
        });
  }

  private io.vertx.core.Future<JsonObject> history(JsonObject b) {
    return store.history(text(b, "userId"), text(b, "with"), b.getLong("before"), b.getInteger("limit", 50));
  }

  private io.vertx.core.Future<JsonObject> conversations(JsonObject b) {
    return store.conversations(text(b, "userId"), b.getLong("before"), b.getInteger("limit", 50));
  }

  private io.vertx.core.Future<JsonObject> markRead(JsonObject b) {
    String user = text(b, "userId");
    Long messageId = b.getLong("messageId");
    var marked = messageId != null ? store.markRead(user, messageId)
        : store.markConversationRead(user, text(b, "conversationId"), b.getLong("upTo"));
    return marked.map(mark -> mark == null ? new JsonObject().put("found", false) : new JsonObject()
        .put("found", true)
        .put("conversationId", mark.conversationId())
        .put("upTo", mark.upTo())
        .put("peerId", mark.peerId())
        .put("unread", mark.unread()));
  }

  private static String text(JsonObject body, String field) {
    String s = NewNotification.text(body, field);
    if (s == null || s.isEmpty()) {
      throw new IllegalArgumentException(field + " must be a non-empty string");
    }
    return s;
  }
}

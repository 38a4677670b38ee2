package io.herald.store;

import io.herald.cluster.Addresses;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * How the other verticles reach this node's {@link StoreVerticle}: typed calls over the node-local
 * {@code herald.store.*} addresses. Failures become {@link ProtocolException}s with {@code
 * STORE_UNAVAILABLE} (database down or slow), {@code BAD_REQUEST} or {@code INTERNAL}, ready for a
 * socket error frame or a REST error body.
 */
public final class StoreClient {
  private final Vertx vertx;

  public StoreClient(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Stores one notification; with its user's unread count after the commit (one round trip). */
  public Future<NotificationStore.Counted> insert(NewNotification n) {
    return request(Addresses.STORE_INSERT, toJson(n)).map(StoreClient::counted);
  }

  /** Stores a batch in one transaction; each item with its user's unread count after the commit. */
  public Future<List<NotificationStore.Counted>> insertBatch(List<NewNotification> batch) {
    JsonArray items = new JsonArray();
    batch.forEach(n -> items.add(toJson(n)));
    return request(Addresses.STORE_INSERT_BATCH, new JsonObject().put("items", items)).map(reply -> {
      List<NotificationStore.Counted> out = new ArrayList<>();
      reply.getJsonArray("items").forEach(o -> out.add(counted((JsonObject) o)));
      return out;
    });
  }

  private static NotificationStore.Counted counted(JsonObject json) {
    return new NotificationStore.Counted(StoredNotification.fromJson(json), json.getLong("unread"));
  }

  public Future<List<StoredNotification>> after(String userId, long afterId, int limit) {
    return request(Addresses.STORE_AFTER, new JsonObject().put("userId", userId).put("afterId", afterId).put("limit", limit))
        .map(StoreClient::items);
  }

  public Future<List<StoredNotification>> unread(String userId, int limit) {
    return request(Addresses.STORE_UNREAD, new JsonObject().put("userId", userId).put("limit", limit)).map(StoreClient::items);
  }

  public Future<JsonObject> page(String userId, Long before, int limit) {
    return request(Addresses.STORE_PAGE, new JsonObject().put("userId", userId).put("before", before).put("limit", limit));
  }

  public Future<Integer> markRead(String userId, List<Long> ids) {
    return request(Addresses.STORE_MARK_READ, new JsonObject().put("userId", userId).put("ids", new JsonArray(ids)))
        .map(r -> r.getInteger("updated"));
  }

  public Future<Integer> markAllRead(String userId) {
    return request(Addresses.STORE_MARK_ALL_READ, new JsonObject().put("userId", userId)).map(r -> r.getInteger("updated"));
  }

  public Future<Boolean> markOneRead(String userId, long id) {
    return request(Addresses.STORE_MARK_ONE_READ, new JsonObject().put("userId", userId).put("id", id))
        .map(r -> r.getBoolean("found"));
  }

  public Future<Long> unreadCount(String userId) {
    return request(Addresses.STORE_UNREAD_COUNT, new JsonObject().put("userId", userId)).map(r -> r.getLong("count"));
  }

  private Future<JsonObject> request(String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body, Addresses.LOCAL)
        .map(Message::body)
        .recover(err -> Future.failedFuture(translate(err)));
  }

  static ProtocolException translate(Throwable err) {
    if (err instanceof ReplyException re) {
      if (re.failureCode() == MessageConsumers.FORBIDDEN) {
        return new ProtocolException(ErrorCode.FORBIDDEN, re.getMessage());
      }
      if (re.failureCode() == StoreVerticle.BAD_REQUEST) {
        return new ProtocolException(ErrorCode.BAD_REQUEST, re.getMessage());
      }
      if (re.failureCode() == StoreVerticle.UNAVAILABLE) {
        return new ProtocolException(ErrorCode.STORE_UNAVAILABLE, "notification store unavailable; retry later");
      }
    }
    return new ProtocolException(ErrorCode.INTERNAL, "notification store failed");
  }

  private static JsonObject toJson(NewNotification n) {
    return new JsonObject().put("userId", n.userId()).put("event", n.event()).put("type", n.type())
        .put("title", n.title()).put("message", n.message()).put("data", n.data());
  }

  private static List<StoredNotification> items(JsonObject reply) {
    List<StoredNotification> out = new ArrayList<>();
    reply.getJsonArray("items").forEach(o -> out.add(StoredNotification.fromJson((JsonObject) o)));
    return out;
  }
}

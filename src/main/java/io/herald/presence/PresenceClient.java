package io.herald.presence;

import io.herald.cluster.Addresses;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * How sessions and the REST API reach this node's {@link PresenceVerticle}: typed calls over its
 * node-local addresses, failing with the {@link ProtocolException} a client is answered with.
 */
public final class PresenceClient {
  /** Queries give up after 10 s (a client is answered UNAVAILABLE rather than left waiting). */
  private static final DeliveryOptions QUERY = new DeliveryOptions().setLocalOnly(true).setSendTimeout(10_000);

  private final Vertx vertx;

  public PresenceClient(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Admits a connection against the cluster-wide per-user limit. Fails with TOO_MANY_CONNECTIONS,
   * or UNAVAILABLE when presence did not answer (an admission that may still land after a timeout
   * is undone at once; the reconciliation catches one that lands after that).
   */
  public Future<Void> connect(String userId, String sessionId) {
    JsonObject who = who(userId, sessionId);
    return vertx.eventBus().request(Addresses.PRESENCE_CONNECT, who, Addresses.LOCAL).<Void>mapEmpty().recover(err -> {
      if (err instanceof ReplyException re && re.failureCode() == PresenceVerticle.TOO_MANY_CONNECTIONS) {
        return Future.failedFuture(new ProtocolException(ErrorCode.TOO_MANY_CONNECTIONS, re.getMessage()));
      }
      if (err instanceof ReplyException re && re.failureType() == ReplyFailure.TIMEOUT) {
        disconnect(userId, sessionId);
      }
      return Future.failedFuture(new ProtocolException(ErrorCode.UNAVAILABLE, "presence unavailable; retry"));
    });
  }

  /** A connection admitted by {@link #connect} closed. Never fails (presence retries and reconciles). */
  public void disconnect(String userId, String sessionId) {
    vertx.eventBus().send(Addresses.PRESENCE_DISCONNECT, who(userId, sessionId), Addresses.LOCAL);
  }

  /** {@code {userId: online}} for each user; fails with UNAVAILABLE. */
  public Future<JsonObject> status(Collection<String> userIds) {
    return vertx.eventBus().<JsonObject>request(Addresses.PRESENCE_STATUS,
            new JsonObject().put("userIds", new JsonArray(new ArrayList<>(userIds))), QUERY)
        .map(m -> m.body().getJsonObject("status"))
        .recover(err -> Future.failedFuture(new ProtocolException(ErrorCode.UNAVAILABLE, "presence unavailable")));
  }

  /** Every user online in the cluster, sorted; fails with UNAVAILABLE. */
  public Future<List<String>> online() {
    return vertx.eventBus().<JsonObject>request(Addresses.PRESENCE_ONLINE, new JsonObject(), QUERY)
        .map(Message::body)
        .map(body -> {
          List<String> users = new ArrayList<>();
          body.getJsonArray("users").forEach(u -> users.add((String) u));
          Collections.sort(users);
          return users;
        })
        .recover(err -> Future.failedFuture(new ProtocolException(ErrorCode.UNAVAILABLE, "presence unavailable")));
  }

  /** How many users are online in the cluster; fails with UNAVAILABLE. */
  public Future<Integer> onlineCount() {
    return vertx.eventBus().<JsonObject>request(Addresses.PRESENCE_ONLINE_COUNT, new JsonObject(), QUERY)
        .map(m -> m.body().getInteger("count"))
        .recover(err -> Future.failedFuture(new ProtocolException(ErrorCode.UNAVAILABLE, "presence unavailable")));
  }

  private static JsonObject who(String userId, String sessionId) {
    return new JsonObject().put("userId", userId).put("sessionId", sessionId);
  }
}

package io.herald.store;

import io.herald.cluster.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Tells every session of a user its new unread count after the read state changed. */
public final class UnreadCounts {
  private static final Logger log = LoggerFactory.getLogger(UnreadCounts.class);

  private UnreadCounts() {}

  /** Reads the count and sends {@code unread_count} to the user's sockets cluster-wide. Never fails. */
  public static void announce(Vertx vertx, StoreClient store, String userId) {
    store.unreadCount(userId)
        .compose(count -> vertx.eventBus().request(Addresses.SEND_USER, new JsonObject()
            .put("userId", userId).put("event", "unread_count").put("data", new JsonObject().put("count", count)),
            Addresses.LOCAL))
        .onFailure(err -> log.debug("could not announce the unread count of {}: {}", userId, err.toString()));
  }
}

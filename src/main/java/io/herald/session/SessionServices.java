package io.herald.session;

import io.herald.auth.AuthException;
import io.herald.auth.Credentials;
import io.herald.auth.Principal;
import io.herald.presence.PresenceClient;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.ProtocolException;
import io.herald.store.StoreClient;
import io.herald.store.StoredNotification;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import java.util.List;
import java.util.UUID;

/**
 * Everything a {@link Session} asks of the rest of the node, and its clock and id generator: the
 * node's implementation ({@link #of}) goes to the auth verticle, presence and the store over the
 * event bus; a test gives fakes and runs a session with no network. Failures are {@link
 * ProtocolException}s carrying the code the client gets.
 */
public interface SessionServices {
  /** Verifies a token: UNAUTHORIZED when refused, INTERNAL when verification is unavailable. */
  Future<Principal> verify(String token);

  /** Presence admission: TOO_MANY_CONNECTIONS, or UNAVAILABLE. */
  Future<Void> admit(String userId, String sessionId);

  /** An admitted session ended. */
  void release(String userId, String sessionId);

  /** The user's newest {@code limit} unread notifications, oldest first. */
  Future<List<StoredNotification>> unread(String userId, int limit);

  /** The user's notifications after {@code afterId}, oldest first, at most {@code limit}. */
  Future<List<StoredNotification>> after(String userId, long afterId, int limit);

  /** The id of the user's newest notification, or -1 when it has none. */
  Future<Long> newestId(String userId);

  Future<Long> unreadCount(String userId);

  /**
   * Takes up to {@code n} client events from the user's budget, shared by all of the user's
   * connections in the cluster; completes with how many it got. Fails when the shared budget cannot
   * be reached (the session then falls back to a per-connection budget).
   */
  Future<Long> rateLimit(String userId, int n);

  /** Wall-clock time, epoch milliseconds (token expiry, timestamps). */
  long millis();

  /** A monotonic time in nanoseconds (rate limits). */
  long nanos();

  /** A new session id. */
  UUID newSessionId();

  /** The node's services: the auth verticle, presence and the store, the shared rate limits, the system clock, random ids. */
  static SessionServices of(Vertx vertx, io.herald.presence.UserRateLimits limits) {
    StoreClient store = new StoreClient(vertx);
    PresenceClient presence = new PresenceClient(vertx);
    return new SessionServices() {
      @Override
      public Future<Principal> verify(String token) {
        return Credentials.verify(vertx, token)
            .recover(err -> Future.failedFuture(err instanceof AuthException
                ? new ProtocolException(ErrorCode.UNAUTHORIZED, err.getMessage())
                : new ProtocolException(ErrorCode.INTERNAL, "token verification unavailable")));
      }

      @Override
      public Future<Void> admit(String userId, String sessionId) {
        return presence.connect(userId, sessionId);
      }

      @Override
      public void release(String userId, String sessionId) {
        presence.disconnect(userId, sessionId);
      }

      @Override
      public Future<List<StoredNotification>> unread(String userId, int limit) {
        return store.unread(userId, limit);
      }

      @Override
      public Future<List<StoredNotification>> after(String userId, long afterId, int limit) {
        return store.after(userId, afterId, limit);
      }

      @Override
      public Future<Long> newestId(String userId) {
        return store.page(userId, null, 1).map(page -> {
          JsonArray items = page.getJsonArray("items");
          return items == null || items.isEmpty() ? -1L : items.getJsonObject(0).getLong("id");
        });
      }

      @Override
      public Future<Long> unreadCount(String userId) {
        return store.unreadCount(userId);
      }

      @Override
      public Future<Long> rateLimit(String userId, int n) {
        return limits.take(userId, n);
      }

      @Override
      public long millis() {
        return System.currentTimeMillis();
      }

      @Override
      public long nanos() {
        return System.nanoTime();
      }

      @Override
      public UUID newSessionId() {
        return UUID.randomUUID();
      }
    };
  }
}

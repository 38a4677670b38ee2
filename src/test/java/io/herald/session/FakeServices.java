package io.herald.session;

import io.herald.auth.Principal;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.ProtocolException;
import io.herald.store.StoredNotification;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link SessionServices} in memory: tokens are {@code "token:{user}"}, presence admits everyone but
 * the users in {@link #refused}, the store is a list, the clock is set by the test. A test can hold
 * a verification or a replay read open ({@link #verifyGate}, {@link #afterGate}) to act meanwhile.
 */
final class FakeServices implements SessionServices {
  final List<StoredNotification> stored = new CopyOnWriteArrayList<>();
  final Set<String> refused = ConcurrentHashMap.newKeySet();
  final List<String> released = new CopyOnWriteArrayList<>();
  final AtomicLong millis = new AtomicLong(1_800_000_000_000L);
  final AtomicLong nanos = new AtomicLong();
  /** Seconds of validity of the tokens verify() accepts, from the fake clock. */
  volatile long tokenLifetimeSeconds = 3600;
  volatile Promise<Void> verifyGate;
  volatile Promise<Void> afterGate;
  private final AtomicLong ids = new AtomicLong();
  /** The shared per-user budget, kept here per user on the fake clock. */
  volatile int perMinute = 100;
  private final java.util.Map<String, TokenBucket> budgets = new ConcurrentHashMap<>();
  /** When set, rateLimit fails (the shared budget is unreachable). */
  volatile boolean limitsDown;

  @Override
  public Future<Long> rateLimit(String userId, int n) {
    if (limitsDown) {
      return Future.failedFuture(new IllegalStateException("hazelcast down"));
    }
    TokenBucket b = budgets.computeIfAbsent(userId, u -> new TokenBucket(perMinute, nanos.get()));
    long granted = 0;
    while (granted < n && b.tryTake(nanos.get())) {
      granted++;
    }
    return Future.succeededFuture(granted);
  }

  @Override
  public Future<Principal> verify(String token) {
    Future<Void> gate = verifyGate == null ? Future.succeededFuture() : verifyGate.future();
    return gate.compose(v -> {
      if (!token.startsWith("token:")) {
        return Future.failedFuture(new ProtocolException(ErrorCode.UNAUTHORIZED, "bad token"));
      }
      long exp = millis.get() / 1000 + tokenLifetimeSeconds;
      return Future.succeededFuture(new Principal(token.substring(6), List.of(), List.of(), List.of(), List.of(), exp));
    });
  }

  @Override
  public Future<Void> admit(String userId, String sessionId) {
    return refused.contains(userId)
        ? Future.failedFuture(new ProtocolException(ErrorCode.TOO_MANY_CONNECTIONS, "at most 1 connection per user"))
        : Future.succeededFuture();
  }

  @Override
  public void release(String userId, String sessionId) {
    released.add(userId);
  }

  @Override
  public Future<List<StoredNotification>> unread(String userId, int limit) {
    List<StoredNotification> out = new ArrayList<>();
    for (StoredNotification n : stored) {
      if (n.userId().equals(userId) && !n.read()) {
        out.add(n);
      }
    }
    return Future.succeededFuture(out.subList(Math.max(0, out.size() - limit), out.size()));
  }

  @Override
  public Future<List<StoredNotification>> after(String userId, long afterId, int limit) {
    Future<Void> gate = afterGate == null ? Future.succeededFuture() : afterGate.future();
    return gate.map(v -> {
      List<StoredNotification> out = new ArrayList<>();
      for (StoredNotification n : stored) {
        if (n.userId().equals(userId) && n.id() > afterId && out.size() < limit) {
          out.add(n);
        }
      }
      return out;
    });
  }

  @Override
  public Future<Long> newestId(String userId) {
    long newest = -1;
    for (StoredNotification n : stored) {
      if (n.userId().equals(userId)) {
        newest = Math.max(newest, n.id());
      }
    }
    return Future.succeededFuture(newest);
  }

  @Override
  public Future<Long> unreadCount(String userId) {
    return unread(userId, Integer.MAX_VALUE).map(list -> (long) list.size());
  }

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public long nanos() {
    return nanos.get();
  }

  @Override
  public UUID newSessionId() {
    return new UUID(0, ids.incrementAndGet());
  }

  /** Stores a notification for {@code userId} with id {@code id}. */
  StoredNotification store(String userId, long id) {
    StoredNotification n = new StoredNotification(id, userId, "notification", "info", "t" + id, "m", null, millis.get(), false);
    stored.add(n);
    return n;
  }
}

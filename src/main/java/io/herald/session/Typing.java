package io.herald.session;

import io.vertx.core.Vertx;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Typing state on this node, per user and target (a user, or a room and discussion): what the
 * others were last told, and when. It turns a client's typing events into at most one event per
 * {@code typing.interval-ms}: a start while already typing is dropped, a change that comes too soon
 * is sent when the interval ends (a start then a quick stop cancel out), and a start with no stop
 * ends by itself after {@code typing.timeout-ms}. Never stored.
 *
 * <p>Events are routed without waiting for each other; at least {@code typing.interval-ms} (100 ms
 * or more) between two events of one entry keeps a start and its stop from overtaking each other
 * on the way.
 *
 * <p>Used from any event loop (a user's sessions may run on several): each entry is locked while
 * it changes. An entry lives while its user is typing and one interval after, so the map holds
 * only active typists.
 */
final class Typing {
  /** Targets one session may be typing to at once; more are dropped quietly. */
  static final int MAX_TARGETS_PER_SESSION = 32;

  private final Vertx vertx;
  private final long intervalNanos;
  private final long timeoutMs;
  private final LongSupplier nanos;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

  /** One user's typing toward one target. */
  private final class Entry {
    final String key;
    /** Tells the others: true = started, false = stopped. */
    final Consumer<Boolean> emit;
    boolean told;
    long toldAt = Long.MIN_VALUE;
    /** A change waiting for the interval to end, or null. */
    Boolean pending;
    long flushTimer = -1;
    long expiryTimer = -1;
    boolean removed;

    Entry(String key, Consumer<Boolean> emit) {
      this.key = key;
      this.emit = emit;
    }
  }

  Typing(Vertx vertx, long intervalMs, long timeoutMs, LongSupplier nanos) {
    this.vertx = vertx;
    this.intervalNanos = intervalMs * 1_000_000L;
    this.timeoutMs = timeoutMs;
    this.nanos = nanos;
  }

  /** Whether {@code key} has live state (its permission was checked when it was made). */
  boolean active(String key) {
    return entries.containsKey(key);
  }

  /**
   * The user is typing ({@code typing} true) or stopped toward the target of {@code key}; {@code emit}
   * tells the others (used when the key has no state yet).
   */
  void update(String key, boolean typing, Consumer<Boolean> emit) {
    while (true) {
      Entry e = entries.computeIfAbsent(key, k -> new Entry(k, emit));
      synchronized (e) {
        if (e.removed) {
          continue; // it just ended: make a new one
        }
        apply(e, typing);
        return;
      }
    }
  }

  private void apply(Entry e, boolean typing) {
    if (typing) {
      vertx.cancelTimer(e.expiryTimer);
      e.expiryTimer = vertx.setTimer(timeoutMs, t -> expire(e));
    }
    if (typing == e.told) {
      e.pending = null; // back to what the others already know
      return;
    }
    long now = nanos.getAsLong();
    if (e.toldAt == Long.MIN_VALUE || now - e.toldAt >= intervalNanos) {
      tell(e, typing, now);
    } else {
      e.pending = typing;
      if (e.flushTimer < 0) {
        long waitMs = Math.max(1, (e.toldAt + intervalNanos - now) / 1_000_000L);
        e.flushTimer = vertx.setTimer(waitMs, t -> flush(e));
      }
    }
  }

  private void tell(Entry e, boolean typing, long now) {
    e.told = typing;
    e.toldAt = now;
    e.pending = null;
    e.emit.accept(typing);
    if (!typing) {
      vertx.cancelTimer(e.expiryTimer);
      e.expiryTimer = -1;
      if (e.flushTimer < 0) {
        // keep the entry one interval, so a new start right after a stop is still held to the rate
        e.flushTimer = vertx.setTimer(Math.max(1, intervalNanos / 1_000_000L), t -> flush(e));
      }
    }
  }

  private void flush(Entry e) {
    synchronized (e) {
      e.flushTimer = -1;
      if (e.removed) {
        return;
      }
      if (e.pending != null && e.pending != e.told) {
        tell(e, e.pending, nanos.getAsLong());
      } else if (!e.told) {
        remove(e);
      }
    }
  }

  /** A start with no stop for typing.timeout-ms: the others get the stop. */
  private void expire(Entry e) {
    synchronized (e) {
      e.expiryTimer = -1;
      if (!e.removed && e.told) {
        e.pending = null;
        e.emit.accept(false);
        e.told = false;
        remove(e);
      }
    }
  }

  /** A session that was typing ended: the others are told it stopped (held to the interval as a stop would be). */
  void stopped(String key) {
    Entry e = entries.get(key);
    if (e != null) {
      synchronized (e) {
        if (!e.removed) {
          apply(e, false);
        }
      }
    }
  }

  private void remove(Entry e) {
    e.removed = true;
    vertx.cancelTimer(e.flushTimer);
    vertx.cancelTimer(e.expiryTimer);
    entries.remove(e.key, e);
  }

  /** Entries alive (for tests and stats). */
  int size() {
    return entries.size();
  }
}

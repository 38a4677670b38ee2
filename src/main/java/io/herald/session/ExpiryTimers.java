package io.herald.session;

import io.vertx.core.Context;
import io.vertx.core.internal.ContextInternal;
import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * The token-expiry deadlines of the sessions on one event loop, behind a single Vert.x timer set
 * for the earliest. A timer per session would cost every connection a Vert.x timer handler, a
 * Netty scheduled task and an entry in Vert.x's timer map (about 190 bytes); here a session costs
 * one slot of a binary min-heap. Each session knows its slot, so cancelling is O(log n).
 *
 * <p>Used on its event loop only: sessions schedule and cancel on their own context, and the
 * timer fires on the event loop's base context (the same thread).
 */
final class ExpiryTimers {
  private final ContextInternal eventLoop;
  /** Epoch milliseconds. */
  private final LongSupplier clock;
  private Session[] heap = new Session[16];
  private int size;
  private long timerId = -1;
  /** The deadline the armed timer was set for (epoch ms), or Long.MAX_VALUE when none is armed. */
  private long armedFor = Long.MAX_VALUE;

  ExpiryTimers(Context eventLoop, LongSupplier clock) {
    this.eventLoop = (ContextInternal) eventLoop;
    this.clock = clock;
  }

  /** Expires {@code session} at {@code deadlineMs} (epoch ms), replacing its earlier deadline. */
  void schedule(Session session, long deadlineMs) {
    cancel(session);
    session.expiryDeadline = deadlineMs;
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size * 2);
    }
    heap[size] = session;
    session.expiryIndex = size;
    size++;
    siftUp(size - 1);
    arm();
  }

  /** Forgets the session's deadline; a no-op when it has none. The armed timer stays (it re-arms). */
  void cancel(Session session) {
    int i = session.expiryIndex;
    if (i < 0) {
      return;
    }
    session.expiryIndex = -1;
    size--;
    Session last = heap[size];
    heap[size] = null;
    if (i < size) {
      heap[i] = last;
      last.expiryIndex = i;
      siftDown(i);
      siftUp(last.expiryIndex);
    }
    if (heap.length > 16 && size < heap.length / 4) {
      heap = Arrays.copyOf(heap, heap.length / 2);
    }
  }

  int size() {
    return size;
  }

  private void arm() {
    if (size == 0) {
      return;
    }
    long first = heap[0].expiryDeadline;
    if (first >= armedFor) {
      return;
    }
    if (timerId >= 0) {
      eventLoop.owner().cancelTimer(timerId);
    }
    armedFor = first;
    timerId = eventLoop.setTimer(Math.max(1, first - clock.getAsLong()), t -> fire());
  }

  private void fire() {
    timerId = -1;
    armedFor = Long.MAX_VALUE;
    long now = clock.getAsLong();
    while (size > 0 && heap[0].expiryDeadline <= now) {
      Session due = heap[0];
      cancel(due);
      due.tokenExpired();
    }
    arm();
  }

  private void siftUp(int i) {
    Session s = heap[i];
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      Session p = heap[parent];
      if (p.expiryDeadline <= s.expiryDeadline) {
        break;
      }
      heap[i] = p;
      p.expiryIndex = i;
      i = parent;
    }
    heap[i] = s;
    s.expiryIndex = i;
  }

  private void siftDown(int i) {
    Session s = heap[i];
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      int right = child + 1;
      if (right < size && heap[right].expiryDeadline < heap[child].expiryDeadline) {
        child = right;
      }
      if (s.expiryDeadline <= heap[child].expiryDeadline) {
        break;
      }
      heap[i] = heap[child];
      heap[i].expiryIndex = i;
      i = child;
    }
    heap[i] = s;
    s.expiryIndex = i;
  }
}

package io.herald.gateway.transport;

import io.vertx.core.Future;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * The slow-consumer rule every transport applies: the bytes written to one connection that the
 * network has not taken yet. A write adds its frame's UTF-8 size and its completion subtracts it,
 * whatever thread writes and whatever thread completes (a Socket.IO session upgraded to a WebSocket
 * on another event loop writes across threads). A connection with at least {@code max} bytes
 * waiting is a slow consumer: the session closes it.
 *
 * <p>Vert.x's own {@code writeQueueFull()} is not used: across threads it counts queued
 * <em>messages</em> (full at 16), so a healthy client that reads was closed by a burst of 17 small
 * events; on a closed WebSocket it throws.
 */
public final class OutboundBytes {
  private static final AtomicLongFieldUpdater<OutboundBytes> QUEUED =
      AtomicLongFieldUpdater.newUpdater(OutboundBytes.class, "queued");

  private final long max;
  private volatile long queued;

  public OutboundBytes(long max) {
    this.max = max;
  }

  /** True when {@code max} bytes or more wait: the next write must not be made. */
  public boolean full() {
    return queued >= max;
  }

  /** Bytes waiting now. */
  public long queued() {
    return queued;
  }

  /** Counts {@code bytes} (see {@link io.herald.protocol.Utf8#length}) until {@code write} completes (either way). */
  public void track(int bytes, Future<?> write) {
    QUEUED.addAndGet(this, bytes);
    write.onComplete(ar -> QUEUED.addAndGet(this, -bytes));
  }

  /** As {@link #track(int, Future)} for a write made on the Netty channel itself. */
  public void track(int bytes, io.netty.util.concurrent.Future<?> write) {
    QUEUED.addAndGet(this, bytes);
    write.addListener(f -> QUEUED.addAndGet(this, -bytes));
  }

  /** Counts {@code bytes} that are waiting outside any write (a polling client's queue). */
  public void add(long bytes) {
    QUEUED.addAndGet(this, bytes);
  }
}

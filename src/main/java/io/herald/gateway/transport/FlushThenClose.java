package io.herald.gateway.transport;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The one way a transport closes a connection it still has something to say on: it writes its
 * last frames (the error or close notice naming the reason), then closes once the last write has
 * been taken by the network, or after {@code timeoutMs} when the client never takes it (a polling
 * client that does not come back). Closing at once would lose what a polling client had not
 * fetched, and a client that reads the close with the upgrade answer might never see the reason.
 */
public final class FlushThenClose {
  private FlushThenClose() {}

  /** Runs {@code close} once, when {@code lastWrite} completes (either way) or after {@code timeoutMs}. */
  public static void after(Vertx vertx, Future<?> lastWrite, long timeoutMs, Runnable close) {
    long timer = vertx.setTimer(timeoutMs, t -> close.run());
    lastWrite.onComplete(ar -> {
      if (vertx.cancelTimer(timer)) {
        close.run();
      }
    });
  }
}

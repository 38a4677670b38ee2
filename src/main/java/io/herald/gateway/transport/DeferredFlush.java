package io.herald.gateway.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;

/**
 * One flush per connection per run of an event loop's queued tasks, instead of one per frame.
 *
 * <p>A transport that writes a frame on its connection's own event loop writes it without flushing
 * and marks the connection here. The first mark on a loop schedules one task on that loop, behind
 * every task already queued: the fan-outs waiting there write their frames too, and the task then
 * flushes each marked connection once. Under load, k publishes queued on a loop become one
 * {@code write(2)} per socket instead of k; with nothing queued, the flush runs right after the
 * current task, so a lone frame waits for nothing.
 *
 * <p>Only used on a Netty event loop thread (the state is per thread, unsynchronised).
 */
public final class DeferredFlush implements Runnable {
  private static final FastThreadLocal<DeferredFlush> PER_LOOP = new FastThreadLocal<>() {
    @Override
    protected DeferredFlush initialValue() {
      return new DeferredFlush();
    }
  };

  /** A connection that has written without flushing. */
  public interface Target {
    /** Set when marked, cleared when flushed: a connection is listed once per round. */
    boolean flushPending();

    void flushPending(boolean pending);

    ChannelHandlerContext channelContext();
  }

  private final ArrayList<Target> marked = new ArrayList<>();
  private boolean scheduled;

  private DeferredFlush() {}

  /** Marks {@code target} for the next flush round of the current event loop (call on that loop). */
  public static void mark(Target target) {
    if (target.flushPending()) {
      return;
    }
    target.flushPending(true);
    DeferredFlush round = PER_LOOP.get();
    round.marked.add(target);
    if (!round.scheduled) {
      round.scheduled = true;
      target.channelContext().executor().execute(round);
    }
  }

  @Override
  public void run() {
    scheduled = false;
    // a flush can run handlers that write and mark again: those go in the next round
    Target[] now = marked.toArray(new Target[0]);
    marked.clear();
    for (Target t : now) {
      t.flushPending(false);
      t.channelContext().flush();
    }
  }
}

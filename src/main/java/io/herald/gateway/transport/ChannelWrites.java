package io.herald.gateway.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Writes to one connection's Netty channel from its own event loop, without a flush: {@link
 * DeferredFlush} flushes it once per round of the loop's tasks. Each write's bytes count in the
 * connection's {@link OutboundBytes} until the network took them. The WebSocket writer and the SSE
 * stream use it for the frames they write on the loop; anything else goes through Vert.x.
 */
public final class ChannelWrites implements DeferredFlush.Target {
  /** Vert.x's handler context of the connection; null if this Vert.x did not expose it. */
  private final ChannelHandlerContext channel;
  private boolean flushPending;

  public ChannelWrites(ChannelHandlerContext channel) {
    this.channel = channel;
  }

  /** True when a write now may go to the channel: it is known and this is its event loop. */
  public boolean onLoop() {
    return channel != null && channel.executor().inEventLoop();
  }

  /** Writes {@code message} (a Netty frame or HTTP chunk of {@code bytes}) and marks the channel for the flush. */
  public void write(Object message, int bytes, OutboundBytes outbound) {
    ChannelPromise written = channel.newPromise();
    outbound.track(bytes, written);
    channel.write(message, written);
    DeferredFlush.mark(this);
  }

  /**
   * Drops the TCP connection at once. The close starts at Vert.x's own handler context, so it goes
   * down the pipeline past Vert.x, whose close of a WebSocket would wait for the peer's close frame.
   */
  public void abort() {
    if (channel != null) {
      channel.close();
    }
  }

  /** The channel's pipeline handler named {@code name} is removed, on the channel's loop. */
  public void removeHandler(String name) {
    if (channel == null) {
      return;
    }
    if (!channel.executor().inEventLoop()) {
      channel.executor().execute(() -> removeHandler(name));
    } else if (channel.pipeline().get(name) != null) {
      channel.pipeline().remove(name);
    }
  }

  @Override
  public boolean flushPending() {
    return flushPending;
  }

  @Override
  public void flushPending(boolean pending) {
    flushPending = pending;
  }

  @Override
  public ChannelHandlerContext channelContext() {
    return channel;
  }
}

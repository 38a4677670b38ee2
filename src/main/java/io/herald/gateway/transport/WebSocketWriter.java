package io.herald.gateway.transport;

import io.herald.protocol.Encoded;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.http.WebSocketInternal;

/**
 * Writes text frames to one server WebSocket. On the socket's own event loop (every delivery and
 * reply of a session that lives there) a frame goes straight to the socket's Netty channel, as a
 * slice of the frame's shared UTF-8 bytes (no per-socket encoding), without a flush: {@link
 * DeferredFlush} flushes the socket once per round of the loop's tasks. From any other thread it
 * goes through Vert.x, which queues it for the loop. Vert.x's own writes (pings, pongs, close)
 * flush as before; on the loop everything goes down one pipeline on one thread, so order is kept.
 */
public final class WebSocketWriter implements DeferredFlush.Target {
  private final ServerWebSocket ws;
  /** The socket's Netty channel context; null if this Vert.x does not expose it (then Vert.x writes). */
  private final ChannelHandlerContext channel;
  private boolean flushPending;

  public WebSocketWriter(ServerWebSocket ws) {
    this.ws = ws;
    this.channel = ws instanceof WebSocketInternal internal ? internal.channelHandlerContext() : null;
  }

  /** Writes {@code text} as one text frame; {@code outbound} counts its bytes until the network took them. */
  public void write(Encoded text, OutboundBytes outbound) {
    if (channel != null && channel.executor().inEventLoop()) {
      ChannelPromise written = channel.newPromise();
      outbound.track(text.bytes(), written);
      channel.write(new TextWebSocketFrame(true, 0, ((BufferInternal) text.buffer()).getByteBuf()), written);
      DeferredFlush.mark(this);
    } else {
      outbound.track(text.bytes(), ws.writeTextMessage(text.text()));
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

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
  /** The name Vert.x gives its idle-timeout handler in an HTTP server connection's pipeline. */
  static final String VERTX_IDLE_HANDLER = "idle";

  private final ServerWebSocket ws;
  /** The socket's Netty channel context; null if this Vert.x does not expose it (then Vert.x writes). */
  private final ChannelHandlerContext channel;
  private boolean flushPending;

  public WebSocketWriter(ServerWebSocket ws) {
    this.ws = ws;
    this.channel = ws instanceof WebSocketInternal internal ? internal.channelHandlerContext() : null;
    dropIdleHandler();
  }

  /**
   * Removes the HTTP server's idle-timeout handler from an upgraded socket's pipeline. Vert.x adds
   * it to every connection for {@code HttpServerOptions.setIdleTimeout} (which keep-alive REST
   * connections need); on a WebSocket it wraps every write with a listener, and it is redundant:
   * every Herald socket has its own keep-alive, which pings and closes a peer silent for longer
   * than the idle timeout. Runs on the socket's loop (a pipeline change elsewhere would race).
   */
  private void dropIdleHandler() {
    if (channel == null) {
      return;
    }
    if (!channel.executor().inEventLoop()) {
      channel.executor().execute(this::dropIdleHandler);
    } else if (channel.pipeline().get(VERTX_IDLE_HANDLER) != null) {
      channel.pipeline().remove(VERTX_IDLE_HANDLER);
    }
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

  /**
   * Drops the TCP connection without a close handshake (a peer that does not answer one). The close
   * starts at Vert.x's own handler context, so it goes down the pipeline past Vert.x, whose close
   * would wait for the peer's close frame again.
   */
  public void abort() {
    if (channel != null) {
      channel.close();
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

package io.herald.gateway.transport;

import io.herald.protocol.Encoded;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.http.WebSocketInternal;

/**
 * Writes text frames to one server WebSocket. On the socket's own event loop (every delivery and
 * reply of a session that lives there) a frame goes straight to the socket's Netty channel, as a
 * slice of the frame's shared UTF-8 bytes (no per-socket encoding), without a flush ({@link
 * ChannelWrites}, {@link DeferredFlush}). From any other thread it goes through Vert.x, which
 * queues it for the loop. Vert.x's own writes (pings, pongs, close) flush as before; on the loop
 * everything goes down one pipeline on one thread, so order is kept.
 */
public final class WebSocketWriter {
  /** The name Vert.x gives its idle-timeout handler in an HTTP server connection's pipeline. */
  static final String VERTX_IDLE_HANDLER = "idle";

  private final ServerWebSocket ws;
  private final ChannelWrites channel;

  /**
   * Also removes the HTTP server's idle-timeout handler from the upgraded socket's pipeline. Vert.x
   * adds it to every connection for {@code HttpServerOptions.setIdleTimeout} (which keep-alive REST
   * connections need); on a WebSocket it wraps every write with a listener, and it is redundant:
   * every Herald socket has its own keep-alive, which pings and closes a peer silent for longer
   * than the idle timeout.
   */
  public WebSocketWriter(ServerWebSocket ws) {
    this.ws = ws;
    this.channel = new ChannelWrites(ws instanceof WebSocketInternal internal ? internal.channelHandlerContext() : null);
    channel.removeHandler(VERTX_IDLE_HANDLER);
  }

  /** Writes {@code text} as one text frame; {@code outbound} counts its bytes until the network took them. */
  public void write(Encoded text, OutboundBytes outbound) {
    if (channel.onLoop()) {
      channel.write(new TextWebSocketFrame(true, 0, ((BufferInternal) text.buffer()).getByteBuf()), text.bytes(), outbound);
    } else {
      outbound.track(text.bytes(), ws.writeTextMessage(text.text()));
    }
  }

  /** Drops the TCP connection without a close handshake (a peer that does not answer one). */
  public void abort() {
    channel.abort();
  }
}

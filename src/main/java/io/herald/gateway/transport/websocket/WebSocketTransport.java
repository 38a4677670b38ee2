package io.herald.gateway.transport.websocket;

import io.herald.gateway.transport.DeferredFlush;
import io.herald.gateway.transport.OutboundBytes;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.http.WebSocketInternal;
import io.herald.protocol.Encoded;
import io.herald.protocol.ServerFrame;
import io.herald.protocol.WireFormat;
import io.herald.session.Session;
import io.herald.session.Transport;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

/**
 * A WebSocket of {@code /ws}: JSON text frames. It only frames, pings and closes; the session does
 * the rest.
 *
 * <p>Frames written on the socket's own event loop (every delivery and reply) go straight to its
 * Netty channel, as a slice of the frame's shared UTF-8 bytes (no per-socket encoding), without a
 * flush: {@link DeferredFlush} flushes the socket once per round of the loop's tasks. Vert.x's own
 * writes (pings, close) flush as before, and everything goes down one pipeline on one thread, so
 * order is kept.
 */
final class WebSocketTransport implements Transport, DeferredFlush.Target {
  private final ServerWebSocket ws;
  /** The socket's Netty channel context; null if this Vert.x does not expose it (then Vert.x writes). */
  private final ChannelHandlerContext channel;
  private boolean flushPending;
  private final OutboundBytes outbound;
  private final long pingIntervalMs;
  private final long idleTimeoutMs;
  private Session session;
  /** When the client last sent anything (a frame or a pong), for the idle check. */
  private long lastRead = System.currentTimeMillis();
  private long lastPing = lastRead;

  WebSocketTransport(ServerWebSocket ws, int maxOutboundQueueBytes, long pingIntervalMs, long idleTimeoutMs) {
    this.ws = ws;
    this.channel = ws instanceof WebSocketInternal internal ? internal.channelHandlerContext() : null;
    this.outbound = new OutboundBytes(maxOutboundQueueBytes);
    this.pingIntervalMs = pingIntervalMs;
    this.idleTimeoutMs = idleTimeoutMs;
  }

  /** Wires the socket to its session. */
  void attach(Session session) {
    this.session = session;
    ws.textMessageHandler(this::onText);
    ws.binaryMessageHandler(this::onBinary);
    ws.pongHandler(this::onPong);
    ws.exceptionHandler(err -> { }); // the close handler follows; nothing to add
    ws.closeHandler(v -> session.onTransportClosed());
  }

  private void onText(String text) {
    lastRead = System.currentTimeMillis();
    session.onText(text);
  }

  private void onBinary(Buffer b) {
    lastRead = System.currentTimeMillis();
    session.onBinary();
  }

  private void onPong(Buffer b) {
    lastRead = System.currentTimeMillis();
  }

  /**
   * Every {@code ws.ping-interval-ms}: a client silent (not even a pong) for longer than {@code
   * ws.idle-timeout-ms} is closed (1001), the others are pinged.
   */
  @Override
  public void keepAlive(long now) {
    if (now - lastPing < pingIntervalMs || ws.isClosed()) {
      return;
    }
    lastPing = now;
    if (now - lastRead > idleTimeoutMs) {
      ws.close((short) 1001, "idle");
    } else if (!outbound.full()) {
      ws.writePing(Buffer.buffer());
    }
  }

  /** Writes unless {@code ws.max-outbound-queue-bytes} are already waiting; a closed socket drops it. */
  @Override
  public boolean write(ServerFrame frame) {
    if (ws.isClosed()) {
      return true;
    }
    if (outbound.full()) {
      return false;
    }
    Encoded e = frame.encoded(WireFormat.JSON);
    if (channel != null && channel.executor().inEventLoop()) {
      ChannelPromise written = channel.newPromise();
      outbound.track(e.bytes(), written);
      channel.write(new TextWebSocketFrame(true, 0, ((BufferInternal) e.buffer()).getByteBuf()), written);
      DeferredFlush.mark(this);
    } else {
      outbound.track(e.bytes(), ws.writeTextMessage(e.text()));
    }
    return true;
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

  @Override
  public void close(short code, String reason) {
    if (!ws.isClosed()) {
      ws.close(code, reason);
    }
  }

  @Override
  public String kind() {
    return "websocket";
  }
}

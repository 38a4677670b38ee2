package io.herald.gateway.transport.websocket;

import io.herald.gateway.transport.OutboundBytes;
import io.herald.gateway.transport.WebSocketWriter;
import io.herald.protocol.ServerFrame;
import io.herald.protocol.WireFormat;
import io.herald.session.Session;
import io.herald.session.Transport;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

/**
 * A WebSocket of {@code /ws}: JSON text frames (through a {@link WebSocketWriter}: one flush per
 * socket per round of its event loop's tasks). It only frames, pings and closes; the session does
 * the rest.
 */
final class WebSocketTransport implements Transport {
  private final ServerWebSocket ws;
  private final WebSocketWriter writer;
  private final OutboundBytes outbound;
  private final long pingIntervalMs;
  private final long idleTimeoutMs;
  private Session session;
  /** When the client last sent anything (a frame or a pong), for the idle check. */
  private long lastRead = System.currentTimeMillis();
  private long lastPing = lastRead;
  /** When the idle close was sent (0: not sent). */
  private long idleCloseSentAt;

  WebSocketTransport(ServerWebSocket ws, int maxOutboundQueueBytes, long pingIntervalMs, long idleTimeoutMs) {
    this.ws = ws;
    this.writer = new WebSocketWriter(ws);
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
   * ws.idle-timeout-ms} is closed (1001), the others are pinged. A peer that does not answer that
   * close within another idle timeout either is dead: its TCP connection is dropped.
   */
  @Override
  public void keepAlive(long now) {
    if (idleCloseSentAt > 0) {
      if (now - idleCloseSentAt > idleTimeoutMs) {
        writer.abort();
      }
      return;
    }
    if (now - lastPing < pingIntervalMs || ws.isClosed()) {
      return;
    }
    lastPing = now;
    if (now - lastRead > idleTimeoutMs) {
      idleCloseSentAt = now;
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
    writer.write(frame.encoded(WireFormat.JSON), outbound);
    return true;
  }

  @Override
  public void close(short code, String reason) {
    if (!ws.isClosed()) {
      ws.close(code, reason);
    }
  }

  @Override
  public long queuedBytes() {
    return outbound.queued();
  }

  @Override
  public String kind() {
    return "websocket";
  }
}

package io.herald.gateway.transport;

import io.herald.protocol.Encoded;
import io.herald.protocol.ServerFrame;
import io.herald.protocol.WireFormat;
import io.herald.session.Session;
import io.herald.session.SessionHub;
import io.herald.session.Transport;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

/**
 * The raw WebSocket transport at {@code /ws}: JSON text frames. It only frames and closes; the
 * session does the rest.
 */
public final class WebSocketTransport implements Transport {
  private final ServerWebSocket ws;
  private final OutboundBytes outbound;
  private Session session;
  /** When the client last sent anything (a frame or a pong), for the gateway's idle check. */
  private volatile long lastRead = System.currentTimeMillis();

  private WebSocketTransport(ServerWebSocket ws, int maxOutboundQueueBytes) {
    this.ws = ws;
    this.outbound = new OutboundBytes(maxOutboundQueueBytes);
  }

  /** Wraps an accepted WebSocket and hands it to a new session. */
  public static WebSocketTransport attach(SessionHub hub, ServerWebSocket ws, String upgradeToken,
      String lastNotificationId, int maxOutboundQueueBytes) {
    WebSocketTransport transport = new WebSocketTransport(ws, maxOutboundQueueBytes);
    transport.session = hub.open(transport);
    ws.textMessageHandler(transport::onText);
    ws.binaryMessageHandler(transport::onBinary);
    ws.pongHandler(transport::onPong);
    ws.exceptionHandler(err -> { }); // the close handler follows; nothing to add
    ws.closeHandler(transport::onClose);
    transport.session.start(upgradeToken, lastNotificationId);
    return transport;
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

  private void onClose(Void v) {
    session.onTransportClosed();
  }

  /**
   * Keep-alive, called by the gateway every {@code ws.ping-interval-ms} on the socket's event loop:
   * a client silent (not even a pong) for longer than {@code idleTimeoutMs} is closed (1001), the
   * others are pinged.
   */
  public void keepAlive(long idleTimeoutMs) {
    if (ws.isClosed()) {
      return;
    }
    if (System.currentTimeMillis() - lastRead > idleTimeoutMs) {
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
    outbound.track(e.bytes(), ws.writeTextMessage(e.text()));
    return true;
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

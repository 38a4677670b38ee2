package io.herald.gateway.transport.sockjs;

import io.herald.gateway.transport.FlushThenClose;
import io.herald.gateway.transport.OutboundBytes;
import io.herald.protocol.Encoded;
import io.herald.protocol.ServerFrame;
import io.herald.protocol.WireFormat;
import io.herald.session.Transport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SockJS session (any SockJS transport: websocket, xhr-streaming, eventsource, xhr-polling) as a
 * {@link Transport}: the {@code /ws} JSON frames as SockJS messages. Two things differ from a
 * WebSocket, and this class hides both from the session:
 * <ul>
 *   <li>Outbound bound. SockJS counts only the messages waiting for the client's next poll; once a
 *       websocket or streaming response takes them they leave its count, even when the client does
 *       not read. So every frame is counted ({@link OutboundBytes}) until the network has taken it.
 *   <li>Close. SockJS always closes with 3000 "Go away!" and drops the messages a polling client has
 *       not fetched yet. So {@link #close} first sends a {@code close} frame carrying the
 *       {@code /ws} close code and reason, and closes the SockJS session once that frame (and every
 *       frame before it) has been handed to the client, or after {@code flushTimeoutMs}.
 * </ul>
 * Every method runs on the session's context (where SockJS also delivers messages and the close).
 */
final class SockJSTransport implements Transport {
  private static final Logger log = LoggerFactory.getLogger(SockJSTransport.class);

  private final Vertx vertx;
  private final SockJSSocket sock;
  private final OutboundBytes outbound;
  private final long flushTimeoutMs;
  private Future<Void> lastWrite = Future.succeededFuture();
  /** close() was called: later writes are dropped, the SockJS session closes once flushed. */
  private boolean closing;
  /** SockJS closed the session (client gone, timeout, or after our close). */
  private boolean closed;

  SockJSTransport(Vertx vertx, SockJSSocket sock, int maxQueued, long flushTimeoutMs) {
    this.vertx = vertx;
    this.sock = sock;
    this.outbound = new OutboundBytes(maxQueued);
    this.flushTimeoutMs = flushTimeoutMs;
    sock.exceptionHandler(err -> log.debug("SockJS session error", err)); // the close event follows
  }

  /** SockJS closed the session. */
  void closed() {
    closed = true;
  }

  @Override
  public boolean write(ServerFrame frame) {
    if (closing || closed) {
      return true; // nothing more goes out; not the client's fault
    }
    if (outbound.full()) {
      return false;
    }
    send(frame.encoded(WireFormat.JSON));
    return true;
  }

  /**
   * Sends a {@code close} frame with the code {@code /ws} would close with, then closes the SockJS
   * session once everything written so far has gone out (bounded by {@code flushTimeoutMs}).
   */
  @Override
  public void close(short code, String reason) {
    if (closing || closed) {
      return;
    }
    closing = true;
    // One small frame past the bound, so that even a slow consumer learns why it was closed.
    send(ServerFrame.event("close", new JsonObject().put("code", code).put("reason", reason)).encoded(WireFormat.JSON));
    FlushThenClose.after(vertx, lastWrite, flushTimeoutMs, () -> {
      if (!closed) {
        closed = true;
        sock.close();
      }
    });
  }

  @Override
  public long queuedBytes() {
    return outbound.queued();
  }

  @Override
  public String kind() {
    return "sockjs";
  }

  private void send(Encoded frame) {
    lastWrite = sock.write(frame.text());
    outbound.track(frame.bytes(), lastWrite);
  }
}

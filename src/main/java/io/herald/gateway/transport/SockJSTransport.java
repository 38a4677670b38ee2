package io.herald.gateway.transport;

import io.herald.protocol.Encoded;
import io.herald.protocol.ServerFrame;
import io.herald.protocol.WireFormat;
import io.herald.session.Session;
import io.herald.session.SessionHub;
import io.herald.session.Transport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SockJS session (any SockJS transport: websocket, xhr-streaming, eventsource, xhr-polling) as a
 * {@link Transport}: JSON text messages in and out. It only frames and closes; the session does the
 * rest, exactly as on {@code /ws}.
 *
 * <p>Two things differ from a WebSocket, and this class hides both from the session:
 * <ul>
 *   <li>Outbound bound. SockJS counts only the messages waiting for the client's next poll; once a
 *       websocket or streaming response takes them they leave its count, even when the client does
 *       not read. So this transport counts every frame (in UTF-8 bytes) until the network has taken
 *       it, and reports a full queue past {@code maxQueued}. SockJS's own
 *       {@code writeQueueFull()} is not asked: over its WebSocket transport it is Vert.x's, which
 *       counts messages (full at 16) when the socket runs on another event loop.
 *   <li>Close. SockJS always closes with 3000 "Go away!" and drops the messages a polling client has
 *       not fetched yet. So {@link #close} first sends a {@code close} frame carrying the
 *       {@code /ws} close code and reason, and closes the SockJS session only once that frame (and
 *       so every frame before it, such as the error naming the reason) has been handed to the
 *       client, or after {@code flushTimeoutMs} if the client never comes back for it.
 * </ul>
 * Every method runs on the session's context (the one that created the SockJS session, where SockJS
 * also delivers messages, the close event and write completions), so the fields need no locks.
 */
public final class SockJSTransport implements Transport {
  private static final Logger log = LoggerFactory.getLogger(SockJSTransport.class);

  private final Vertx vertx;
  private final SockJSSocket sock;
  private final int maxQueued;
  private final long flushTimeoutMs;
  /** Bytes (UTF-8) written and not yet taken by the network (or the client's poll). */
  private int queued;
  private Future<Void> lastWrite = Future.succeededFuture();
  /** close() was called: later writes are dropped, the SockJS session closes once flushed. */
  private boolean closing;
  /** SockJS closed the session (client gone, timeout, or after our close). */
  private boolean closed;

  SockJSTransport(Vertx vertx, SockJSSocket sock, int maxQueued, long flushTimeoutMs) {
    this.vertx = vertx;
    this.sock = sock;
    this.maxQueued = maxQueued;
    this.flushTimeoutMs = flushTimeoutMs;
    sock.exceptionHandler(err -> log.debug("SockJS session error", err)); // the close event follows
  }

  /** Wraps an accepted SockJS socket and hands it to a new session. */
  static SockJSTransport attach(SessionHub hub, Vertx vertx, SockJSSocket sock, String token, String lastNotificationId,
      int maxQueued, long flushTimeoutMs) {
    SockJSTransport transport = new SockJSTransport(vertx, sock, maxQueued, flushTimeoutMs);
    Session session = hub.open(transport);
    sock.handler(message -> session.onText(message.toString(StandardCharsets.UTF_8)));
    sock.closeHandler(v -> {
      transport.closed = true;
      session.onTransportClosed();
    });
    session.start(token, lastNotificationId);
    return transport;
  }

  @Override
  public boolean write(ServerFrame frame) {
    if (closing || closed) {
      return true; // nothing more goes out; not the client's fault
    }
    if (queued >= maxQueued) {
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
    long timer = vertx.setTimer(flushTimeoutMs, t -> closeSocket());
    lastWrite.onComplete(ar -> {
      vertx.cancelTimer(timer);
      closeSocket();
    });
  }

  @Override
  public String kind() {
    return "sockjs";
  }

  private void closeSocket() {
    if (!closed) {
      closed = true;
      sock.close();
    }
  }

  private void send(Encoded frame) {
    int size = frame.bytes();
    queued += size;
    lastWrite = sock.write(frame.text()).onComplete(ar -> queued -= size);
  }
}

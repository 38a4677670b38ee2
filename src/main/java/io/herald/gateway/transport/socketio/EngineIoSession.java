package io.herald.gateway.transport.socketio;

import io.herald.gateway.transport.Admission;
import io.herald.protocol.Encoded;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.Utf8;
import io.herald.session.Session;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Engine.IO v4 connection (HTTP long-polling, WebSocket, or polling upgraded to WebSocket) and
 * the Socket.IO namespaces multiplexed on it. Every method runs on the context that created the
 * session; the server hops there for requests that arrive on other event loops.
 */
final class EngineIoSession {
  private static final Logger log = LoggerFactory.getLogger(EngineIoSession.class);
  static final char SEPARATOR = '\u001e';
  /** Engine.IO packet type of a message (a Socket.IO packet follows). */
  static final String MESSAGE = "4";

  private final EngineIoServer server;
  private final Vertx vertx;
  final Context context;
  final String sid;
  /** The handshake request's token (Authorization header or ?token=), or null. */
  private final String handshakeToken;
  private final Map<String, SocketIoNamespace> namespaces = new HashMap<>();
  /** What goes to the client, by poll or WebSocket, within the outbound budget. */
  private final EngineIoOutbox outbox;
  private ServerWebSocket probing;
  /** The probe was answered ({@code 3probe}): polls are answered at once until the client switches. */
  private boolean probeAnswered;
  /** When the last ping was sent (epoch ms): the keep-alive sweep sends the next one pingInterval later. */
  private long lastPing;
  /** Closes the connection when no namespace is connected within {@code ws.auth-timeout-ms}. */
  private long connectTimer = -1;
  /**
   * This connection holds one of the node's connection slots while it has no namespace session (a
   * namespace session holds its own), so unauthenticated connections count toward the node limit.
   */
  private boolean holdsSlot;
  private long lastPong = System.currentTimeMillis();
  private boolean closed;
  /** Binary attachments announced by refused binary packets, still to be swallowed. */
  private int pendingAttachments;

  EngineIoSession(EngineIoServer server, Context context, String sid, String handshakeToken) {
    this.server = server;
    this.vertx = server.vertx;
    this.context = context;
    this.sid = sid;
    this.handshakeToken = handshakeToken;
    this.outbox = new EngineIoOutbox(server.config.maxOutboundQueueBytes);
    server.hub.reserveConnection();
    holdsSlot = true;
    armConnectTimer();
  }

  /**
   * A connection must connect a namespace (authenticate) within {@code ws.auth-timeout-ms}, as
   * Socket.IO's {@code connectTimeout}: from the handshake, and again whenever its last namespace ends.
   */
  private void armConnectTimer() {
    int ms = server.config.authTimeoutMs;
    connectTimer = vertx.setTimer(ms, t -> {
      connectTimer = -1;
      if (namespaces.isEmpty()) {
        close("no namespace connected within " + ms + " ms");
      }
    });
  }

  private void cancelConnectTimer() {
    if (connectTimer >= 0) {
      vertx.cancelTimer(connectTimer);
      connectTimer = -1;
    }
  }

  private void releaseSlot() {
    if (holdsSlot) {
      holdsSlot = false;
      server.hub.releaseConnection();
    }
  }

  /**
   * Keep-alive, from the gateway's sweep through a connected namespace (an Engine.IO connection
   * without one is closed by its connect timer first): a ping every pingInterval, and a client
   * silent for longer than pingInterval + pingTimeout is closed. Idempotent within an interval, so
   * several namespaces may call it.
   */
  void keepAlive(long now) {
    if (closed || now - lastPing < server.config.socketIoPingIntervalMs) {
      return;
    }
    lastPing = now;
    if (now - lastPong > server.config.socketIoPingIntervalMs + server.config.socketIoPingTimeoutMs) {
      close("ping timeout");
    } else {
      send("2");
    }
  }

  /** The open packet. */
  String openPacket(boolean upgrades) {
    lastPing = System.currentTimeMillis();
    return "0" + new JsonObject()
        .put("sid", sid)
        .put("upgrades", upgrades ? new JsonArray().add("websocket") : new JsonArray())
        .put("pingInterval", server.config.socketIoPingIntervalMs)
        .put("pingTimeout", server.config.socketIoPingTimeoutMs)
        .put("maxPayload", server.config.socketIoMaxPayloadBytes)
        .encode();
  }

  // ---- transports -------------------------------------------------------------------------

  /** A WebSocket-only client: the whole session runs on this socket. */
  void useWebSocket(ServerWebSocket socket) {
    outbox.switchTo(socket);
    wire(socket);
    outbox.write(socket, Encoded.of(openPacket(false)));
  }

  /** A polling client probes a WebSocket: "2probe" -> "3probe", then "5" switches to it. */
  void probe(ServerWebSocket socket) {
    if (outbox.webSocket() != null || probing != null) {
      socket.close((short) 1008, "already upgraded");
      return;
    }
    probing = socket;
    // The upgrade may arrive on another event loop: every handler hops to this session's context.
    socket.textMessageHandler(text -> onContext(() -> {
      if (outbox.webSocket() == socket) {
        onPacket(text); // dispatched before the switch below replaced this handler
      } else if (text.equals("2probe")) {
        outbox.write(socket, Encoded.of("3probe"));
        probeAnswered = true;
        outbox.answerHeldPoll("6"); // lets the client's pending poll return so it can upgrade
      } else if (text.equals("5")) {
        probing = null;
        probeAnswered = false;
        outbox.switchTo(socket);
        wire(socket);
      } else {
        close("unexpected packet while upgrading");
      }
    }));
    socket.closeHandler(v -> onContext(() -> {
      if (probing == socket) {
        probing = null;
        probeAnswered = false;
      } else if (outbox.webSocket() == socket) {
        close("transport closed");
      }
    }));
  }

  /** Runs {@code action} on this session's context (at once when already there). */
  private void onContext(Runnable action) {
    if (io.vertx.core.Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }

  private void wire(ServerWebSocket socket) {
    socket.textMessageHandler(text -> onContext(() -> onPacket(text)));
    socket.binaryMessageHandler(b -> onContext(this::onBinary));
    socket.closeHandler(v -> onContext(() -> close("transport closed")));
    socket.exceptionHandler(err -> { });
  }

  /** A long-polling GET: answered now if something is queued, else held until something is. */
  void poll(HttpServerResponse response) {
    if (closed) {
      EngineIoServer.error(response, 400, 1, "Session ID unknown");
      return;
    }
    if (outbox.webSocket() != null) {
      EngineIoOutbox.respond(response, "6"); // a poll that crossed the upgrade: nothing for it, the WebSocket carries on
      return;
    }
    if (outbox.pollHeld()) {
      EngineIoServer.error(response, 400, 3, "Bad request");
      close("overlapping polls");
      return;
    }
    if (probeAnswered && !outbox.queued()) {
      // The client is switching to the WebSocket: it cannot send "5" until this poll returns, so a
      // poll held until the next ping would stall the upgrade for a whole ping interval.
      EngineIoOutbox.respond(response, "6");
      return;
    }
    outbox.poll(response);
  }

  /** A polling POST: one or more packets separated by U+001E. */
  void onPayload(String body) {
    int start = 0;
    for (int i = 0; i <= body.length() && !closed; i++) {
      if (i == body.length() || body.charAt(i) == SEPARATOR) {
        onPacket(body.substring(start, i));
        start = i + 1;
      }
    }
  }

  // ---- packets ------------------------------------------------------------------------------

  private void onPacket(String packet) {
    // Type and size only: a CONNECT packet carries the client's token.
    log.debug("{} <- packet type {} ({} chars)", sid, packet.isEmpty() ? '?' : packet.charAt(0), packet.length());
    if (closed || packet.isEmpty()) {
      return;
    }
    switch (packet.charAt(0)) {
      case '3' -> lastPong = System.currentTimeMillis();
      case '4' -> onSocketIo(packet.substring(1));
      case '1' -> close("client closed");
      case '2' -> send("3" + packet.substring(1));
      case '6', '5' -> { }
      case 'b' -> onBinary(); // a binary packet over long-polling (base64)
      default -> close("malformed Engine.IO packet");
    }
  }

  /** An attachment of a binary packet that was already refused is dropped; any other is refused. */
  private void onBinary() {
    if (pendingAttachments > 0) {
      pendingAttachments--;
      return;
    }
    namespaces.values().forEach(ns -> emitError(ns.namespace(), null, "binary attachments are not supported"));
  }

  private void onSocketIo(String text) {
    SocketIoPacket p;
    try {
      p = SocketIoPacket.parse(text);
    } catch (IllegalArgumentException | ClassCastException e) {
      close("malformed Socket.IO packet: " + e.getMessage());
      return;
    }
    switch (p.type()) {
      case SocketIoPacket.CONNECT -> connect(p);
      case SocketIoPacket.DISCONNECT -> {
        SocketIoNamespace ns = namespaces.get(p.namespace());
        if (ns != null) {
          ns.clientGone();
        }
      }
      case SocketIoPacket.EVENT -> event(p, text);
      case SocketIoPacket.BINARY_EVENT, SocketIoPacket.BINARY_ACK -> {
        pendingAttachments += attachments(text);
        emitError(p.namespace(), p.ackId(), "binary attachments are not supported");
      }
      case SocketIoPacket.ACK -> { } // Herald never asks clients for acks
      default -> close("unexpected Socket.IO packet type " + p.type());
    }
  }

  /** The attachment count of a binary packet ({@code 51-...}), at most 16 counted. */
  private static int attachments(String text) {
    int dash = text.indexOf('-');
    try {
      return Math.min(16, Integer.parseInt(text.substring(1, dash)));
    } catch (RuntimeException e) {
      return 0;
    }
  }

  /** A namespace connection: a new Herald session authenticated as the seeds do it. */
  private void connect(SocketIoPacket p) {
    String nsp = p.namespace();
    if (!server.config.socketIoNamespaces.contains(nsp)) {
      sendMessage(SocketIoPacket.encode(SocketIoPacket.CONNECT_ERROR, nsp, null, new JsonObject().put("message", "Invalid namespace")));
      return;
    }
    if (namespaces.containsKey(nsp)) {
      return;
    }
    // The namespace session takes a slot of its own: this connection's slot is handed over first,
    // so that the check below does not count the connection twice.
    releaseSlot();
    Admission.Verdict verdict = Admission.verdict(server.hub);
    if (!verdict.admitted()) {
      if (namespaces.isEmpty()) {
        server.hub.reserveConnection();
        holdsSlot = true;
      }
      sendMessage(SocketIoPacket.encode(SocketIoPacket.CONNECT_ERROR, nsp, null, new JsonObject()
          .put("message", verdict.message())
          .put("data", new JsonObject().put("code", verdict.code().name()))));
      return;
    }
    String token = Admission.token(p.payload(), handshakeToken);
    Object last = p.payload() instanceof JsonObject auth ? auth.getValue("lastNotificationId") : null;
    SocketIoNamespace ns = new SocketIoNamespace(this, nsp, server.config.socketIoEventAliases.getOrDefault(nsp, java.util.Map.of()));
    namespaces.put(nsp, ns);
    cancelConnectTimer();
    Session session = server.hub.open(ns);
    ns.attach(session);
    session.start(token, last == null ? null : last.toString());
  }

  /** {@code socket.emit(name, data[, ack])}: the /ws event, with the ack id as its request id. */
  private void event(SocketIoPacket p, String text) {
    SocketIoNamespace ns = namespaces.get(p.namespace());
    if (ns == null) {
      return; // not connected to that namespace: Socket.IO servers ignore it too
    }
    if (!(p.payload() instanceof JsonArray args) || args.isEmpty() || !(args.getValue(0) instanceof String name)) {
      emitError(p.namespace(), p.ackId(), "an event is [name, data]");
      return;
    }
    // The ack id is the request id: the reply comes back with it and also calls the ack.
    ns.session().request(name, args.size() > 1 ? args.getValue(1) : null, p.ackId(), Utf8.length(text));
  }

  private void emitError(String nsp, Long ackId, String message) {
    JsonObject err = new JsonObject().put("code", ErrorCode.BAD_REQUEST.name()).put("message", message);
    sendMessage(SocketIoPacket.encode(SocketIoPacket.EVENT, nsp, null, new JsonArray().add("error").add(err)));
    if (ackId != null) {
      sendMessage(SocketIoPacket.encode(SocketIoPacket.ACK, nsp, ackId, new JsonArray().add(new JsonObject().put("error", err))));
    }
  }

  /** Bytes of this connection the network has not taken yet. */
  long queuedBytes() {
    return outbox.queuedBytes();
  }

  // ---- outbound -----------------------------------------------------------------------------

  /** Queues a Socket.IO packet as an Engine.IO message; false when the client cannot keep up. */
  boolean sendMessage(String socketIoPacket) {
    return send(MESSAGE + socketIoPacket);
  }

  /**
   * Queues the Socket.IO packet {@code prefix + payload} (a shared frame encoding, whose size is
   * known) as an Engine.IO message.
   */
  boolean sendMessage(String prefix, Encoded payload) {
    return send(new Encoded(MESSAGE + prefix + payload.text(), 1 + Utf8.length(prefix) + payload.bytes()));
  }

  /** Queues a whole Engine.IO message made once for many sockets ({@link SocketIoNamespace#MAIN_MESSAGE}). */
  boolean sendEncoded(Encoded message) {
    return send(message);
  }

  private boolean send(String packet) {
    return send(Encoded.of(packet));
  }

  private boolean send(Encoded packet) {
    if (log.isDebugEnabled()) {
      String text = packet.text();
      log.debug("{} -> packet type {} ({} chars, {})", sid, text.isEmpty() ? '?' : text.charAt(0), text.length(),
          outbox.webSocket() != null ? "ws" : "poll");
    }
    return closed || outbox.send(packet);
  }

  /** Ends the connection: every namespace's session closes, timers stop, the client is released. */
  void close(String reason) {
    if (closed) {
      return;
    }
    closed = true;
    log.debug("Engine.IO session {} closed: {}", sid, reason);
    cancelConnectTimer();
    releaseSlot();
    for (SocketIoNamespace ns : List.copyOf(namespaces.values())) {
      ns.clientGone();
    }
    outbox.answerHeldPoll("1");
    ServerWebSocket ws = outbox.webSocket();
    if (ws != null && !ws.isClosed()) {
      ws.close();
    }
    if (probing != null && !probing.isClosed()) {
      probing.close();
    }
    server.remove(this);
  }

  void namespaceClosed(SocketIoNamespace ns) {
    if (namespaces.remove(ns.namespace(), ns) && namespaces.isEmpty() && !closed) {
      // Back to an unauthenticated connection: it holds a slot again and must connect in time.
      server.hub.reserveConnection();
      holdsSlot = true;
      armConnectTimer();
    }
  }
}

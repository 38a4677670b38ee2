package io.herald.gateway.transport.socketio;

import io.herald.protocol.ServerFrame;
import io.herald.protocol.WireFormat;
import io.herald.session.Session;
import io.herald.session.Transport;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * One Socket.IO namespace connection: a Herald session's transport. It turns Herald frames into
 * Socket.IO packets: {@code connected} first completes the namespace CONNECT, a refusal before it
 * becomes a CONNECT_ERROR, replies to an event sent with an acknowledgement also call the ack, and
 * room events carry the room as a second argument.
 */
final class SocketIoNamespace implements Transport {
  /** A frame as a Socket.IO EVENT packet's arguments, shared by every namespace. */
  static final WireFormat ARGS = WireFormat.of("socket.io", SocketIoNamespace::args);
  private static final String MAIN_EVENT_PREFIX = String.valueOf(SocketIoPacket.EVENT);
  /**
   * The whole Engine.IO message of an event in the main namespace ({@code 42[...]}): what nearly
   * every Socket.IO socket gets, so a fan-out makes its text and bytes once, not per socket.
   */
  static final WireFormat MAIN_MESSAGE = WireFormat.of("socket.io-main",
      f -> EngineIoSession.MESSAGE + MAIN_EVENT_PREFIX + args(f));

  private final EngineIoSession engine;
  private final String namespace;
  /** {@code 2} (EVENT) and, outside the main namespace, {@code <nsp>,}: what precedes the arguments. */
  private final String eventPrefix;
  /** Event name -> the extra name it is also emitted under in this namespace (socketio.event-aliases). */
  private final java.util.Map<String, String> aliases;
  private Session session;
  private boolean connected;
  private boolean closed;

  SocketIoNamespace(EngineIoSession engine, String namespace, java.util.Map<String, String> aliases) {
    this.aliases = aliases;
    this.engine = engine;
    this.namespace = namespace;
    // The main namespace shares one constant: most connections should not carry a string of their own.
    this.eventPrefix = "/".equals(namespace) ? MAIN_EVENT_PREFIX : SocketIoPacket.EVENT + namespace + ",";
  }

  void attach(Session session) {
    this.session = session;
  }

  Session session() {
    return session;
  }

  @Override
  public String namespace() {
    return namespace;
  }

  @Override
  public boolean write(ServerFrame frame) {
    if (closed) {
      return true;
    }
    String event = frame.event();
    if (!connected) {
      if ("connected".equals(event)) {
        connected = true;
        engine.sendMessage(SocketIoPacket.encode(SocketIoPacket.CONNECT, namespace, null,
            new JsonObject().put("sid", session.id())));
      } else if (frame.isError()) {
        JsonObject err = (JsonObject) frame.data();
        boolean auth = "UNAUTHORIZED".equals(err.getString("code"));
        engine.sendMessage(SocketIoPacket.encode(SocketIoPacket.CONNECT_ERROR, namespace, null, new JsonObject()
            .put("message", auth ? "Authentication failed" : err.getString("message"))
            .put("data", err.copy())));
        return true;
      }
    }
    boolean ok = eventPrefix == MAIN_EVENT_PREFIX
        ? engine.sendEncoded(frame.encoded(MAIN_MESSAGE))
        : engine.sendMessage(eventPrefix, frame.encoded(ARGS));
    String alias = frame.requestId() == null ? aliases.get(event) : null;
    if (alias != null) {
      ok &= engine.sendMessage(eventPrefix, frame.renamed(alias).encoded(ARGS));
    }
    // A reply to an event emitted with an acknowledgement also calls the ack (the request id is its ack id).
    if (frame.requestId() instanceof Long ackId) {
      Object ackData = frame.isError() ? new JsonObject().put("error", frame.data()) : frame.data();
      ok &= engine.sendMessage(SocketIoPacket.encode(SocketIoPacket.ACK, namespace, ackId, new JsonArray().add(ackData)));
    }
    return ok;
  }

  /**
   * The arguments of an EVENT packet: {@code [event, data]}, plus the room of a room event (and
   * {@code {from?, roomEventId?}} for a member's event or one kept in the room's history), or
   * {@code {notificationId}} of a stored item (the replay cursor, as the /ws frame carries it).
   */
  private static String args(ServerFrame f) {
    String data = f.dataJson();
    StringBuilder b = new StringBuilder(data.length() + f.event().length() + 32);
    b.append('[').append(Json.encode(f.event())).append(',').append(data);
    if (f.room() != null) {
      b.append(',').append(Json.encode(f.room()));
      if (f.from() != null || f.roomEventId() >= 0) {
        JsonObject meta = new JsonObject();
        if (f.from() != null) {
          meta.put("from", f.from());
        }
        if (f.roomEventId() >= 0) {
          meta.put("roomEventId", f.roomEventId());
        }
        b.append(',').append(meta.encode());
      }
    } else if (f.isStored()) {
      b.append(",{\"notificationId\":").append(f.notificationId()).append('}');
    }
    return b.append(']').toString();
  }

  @Override
  public void keepAlive(long now) {
    engine.keepAlive(now);
  }

  /** The server ends this namespace connection (the Engine.IO connection stays). */
  @Override
  public void close(short code, String reason) {
    if (closed) {
      return;
    }
    closed = true;
    engine.namespaceClosed(this);
    if (connected && !engine.sendMessage(SocketIoPacket.encode(SocketIoPacket.DISCONNECT, namespace, null, null))) {
      engine.close("outbound queue full"); // the client could not even be told: end the whole connection
    }
  }

  /** The client left the namespace, or the Engine.IO connection ended. */
  void clientGone() {
    if (!closed) {
      closed = true;
      engine.namespaceClosed(this);
      session.onTransportClosed();
    }
  }

  @Override
  public long queuedBytes() {
    return engine.queuedBytes();
  }

  @Override
  public String kind() {
    return "socket.io";
  }
}

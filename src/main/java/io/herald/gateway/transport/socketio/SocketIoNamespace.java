package io.herald.gateway.transport.socketio;

import io.herald.session.Session;
import io.herald.session.Transport;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * One Socket.IO namespace connection: a Herald session's transport. It turns Herald frames into
 * Socket.IO packets: {@code connected} first completes the namespace CONNECT, a refusal before it
 * becomes a CONNECT_ERROR, replies to an event sent with an acknowledgement also call the ack, and
 * room events carry the room as a second argument.
 */
final class SocketIoNamespace implements Transport {
  /** Herald request ids that stand for a Socket.IO ack id. */
  static final String ACK_PREFIX = "sio:";

  private final EngineIoSession engine;
  private final String namespace;
  private Session session;
  private boolean connected;
  private boolean closed;

  SocketIoNamespace(EngineIoSession engine, String namespace) {
    this.engine = engine;
    this.namespace = namespace;
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
  public boolean write(String frameText) {
    if (closed) {
      return true;
    }
    JsonObject frame = new JsonObject(frameText);
    String event = frame.getString("event");
    Object data = frame.getValue("data");
    if (!connected) {
      if ("connected".equals(event)) {
        connected = true;
        engine.sendMessage(SocketIoPacket.encode(SocketIoPacket.CONNECT, namespace, null,
            new JsonObject().put("sid", session.id())));
      } else if ("error".equals(event)) {
        JsonObject err = (JsonObject) data;
        boolean auth = "UNAUTHORIZED".equals(err.getString("code"));
        engine.sendMessage(SocketIoPacket.encode(SocketIoPacket.CONNECT_ERROR, namespace, null, new JsonObject()
            .put("message", auth ? "Authentication failed" : err.getString("message"))
            .put("data", err.copy())));
        return true;
      }
    }
    Object id = frame.getValue("id");
    Long ackId = id instanceof String s && s.startsWith(ACK_PREFIX) ? Long.valueOf(s.substring(ACK_PREFIX.length())) : null;
    JsonArray args = new JsonArray().add(event).add(data);
    if (frame.containsKey("room")) {
      args.add(frame.getString("room"));
    } else if (frame.containsKey("notificationId")) {
      // A stored item's id, the replay cursor: (data, {notificationId}) as the /ws frame carries it.
      args.add(new JsonObject().put("notificationId", frame.getLong("notificationId")));
    }
    boolean ok = engine.sendMessage(SocketIoPacket.encode(SocketIoPacket.EVENT, namespace, null, args));
    if (ackId != null) {
      Object ackData = "error".equals(event) ? new JsonObject().put("error", data) : data;
      ok &= engine.sendMessage(SocketIoPacket.encode(SocketIoPacket.ACK, namespace, ackId, new JsonArray().add(ackData)));
    }
    return ok;
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
  public String kind() {
    return "socket.io";
  }
}

package io.herald.gateway.transport.socketio;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;

/**
 * One Socket.IO v5 packet ({@code <type>[<attachments>-][<nsp>,][<ackId>][<json>]}), the payload of an
 * Engine.IO {@code message}. Parsing throws {@link IllegalArgumentException} for a malformed packet.
 */
record SocketIoPacket(int type, String namespace, Long ackId, Object payload) {
  static final int CONNECT = 0;
  static final int DISCONNECT = 1;
  static final int EVENT = 2;
  static final int ACK = 3;
  static final int CONNECT_ERROR = 4;
  static final int BINARY_EVENT = 5;
  static final int BINARY_ACK = 6;

  static SocketIoPacket parse(String s) {
    if (s.isEmpty() || s.charAt(0) < '0' || s.charAt(0) > '6') {
      throw new IllegalArgumentException("unknown Socket.IO packet type");
    }
    int type = s.charAt(0) - '0';
    int i = 1;
    if (type == BINARY_EVENT || type == BINARY_ACK) {
      int dash = s.indexOf('-', i);
      if (dash < 0) {
        throw new IllegalArgumentException("binary packet without attachment count");
      }
      i = dash + 1;
    }
    String nsp = "/";
    if (i < s.length() && s.charAt(i) == '/') {
      int comma = s.indexOf(',', i);
      nsp = comma < 0 ? s.substring(i) : s.substring(i, comma);
      i = comma < 0 ? s.length() : comma + 1;
    }
    int start = i;
    while (i < s.length() && Character.isDigit(s.charAt(i)) && i - start < 18) {
      i++;
    }
    Long ackId = i > start ? Long.parseLong(s.substring(start, i)) : null;
    Object payload = null;
    if (i < s.length()) {
      try {
        payload = Json.decodeValue(s.substring(i));
      } catch (DecodeException e) {
        throw new IllegalArgumentException("packet payload is not JSON");
      }
    }
    return new SocketIoPacket(type, nsp, ackId, payload);
  }

  /** Encodes a packet without attachments; {@code payload} is any JSON value or null. */
  static String encode(int type, String namespace, Long ackId, Object payload) {
    StringBuilder b = new StringBuilder().append(type);
    if (!"/".equals(namespace)) {
      b.append(namespace).append(',');
    }
    if (ackId != null) {
      b.append(ackId);
    }
    if (payload != null) {
      b.append(payload instanceof JsonArray a ? a.encode() : Json.encode(payload));
    }
    return b.toString();
  }
}

package io.herald.bench;

import io.herald.test.Tokens;
import io.vertx.core.http.WebSocket;

/**
 * What differs between the servers the bench compares: the connect URI, when a connection counts
 * as ready, the frames a client must answer, and how an HTTP publisher reaches a room or a user.
 * Every publish carries {@code "t": System.nanoTime()} at send time; receivers in the same JVM
 * subtract.
 */
enum ServerKind {
  /**
   * Herald /ws: JWT on the upgrade, ready on {@code connected} (or {@code joined-room} when joining).
   * Every session is in its personal room {@code user:{id}}; notifications are stored, then delivered.
   */
  HERALD("herald") {
    @Override
    String connectUri(int user, String room, boolean userRoom) {
      return "/ws?token=" + token(user);
    }

    @Override
    boolean onControlFrame(WebSocket ws, String frame, String room) {
      if (frame.startsWith("{\"event\":\"connected\"")) {
        if (room == null) {
          return true;
        }
        ws.writeTextMessage("{\"event\":\"join-room\",\"data\":{\"room\":\"" + room + "\"},\"id\":1}");
        return false;
      }
      return frame.startsWith("{\"event\":\"joined-room\"");
    }
  },

  /**
   * Herald's Socket.IO endpoint, as socket.io-client's WebSocket transport speaks it: the token on
   * the handshake, CONNECT to the main namespace, then {@code join-room} as an event; ready on
   * {@code joined-room}. Room events arrive as {@code 42["bench",{"t":..},"room"]}.
   */
  HERALD_SOCKETIO("herald-socketio") {
    @Override
    String connectUri(int user, String room, boolean userRoom) {
      return "/socket.io/?EIO=4&transport=websocket&token=" + token(user);
    }

    @Override
    boolean onControlFrame(WebSocket ws, String frame, String room) {
      if (frame.startsWith("0{")) {
        ws.writeTextMessage("40");
        return false;
      }
      if (frame.equals("2")) {
        ws.writeTextMessage("3");
        return false;
      }
      if (frame.startsWith("40")) {
        if (room == null) {
          return true;
        }
        ws.writeTextMessage("42[\"join-room\",{\"room\":\"" + room + "\"}]");
        return false;
      }
      return frame.startsWith("42[\"joined-room\"");
    }
  },

  /**
   * Herald's SSE endpoint: an EventSource-style GET, ready on its first event ({@code
   * unread_count}). SSE members cannot join rooms: they are reached by broadcasts (and their own
   * user's events).
   */
  HERALD_SSE("herald-sse") {
    @Override
    String connectUri(int user, String room, boolean userRoom) {
      if (room != null) {
        throw new IllegalArgumentException("SSE members cannot join a room; use a broadcast target");
      }
      return "/notifications/events?token=" + token(user);
    }

    @Override
    boolean sse() {
      return true;
    }
  },

  /** The built-in raw Vert.x WebSocket server: ready on open, the body is forwarded as is. */
  RAW_VERTX("raw-vertx") {
    @Override
    String connectUri(int user, String room, boolean userRoom) {
      return "/ws" + query(user, room, userRoom);
    }

    @Override
    boolean readyOnOpen() {
      return true;
    }
  },

  /** npm socket.io 4 on Node: Engine.IO v4 over WebSocket, ready on the namespace CONNECT ack. */
  SOCKETIO("socketio-node") {
    @Override
    String connectUri(int user, String room, boolean userRoom) {
      String q = query(user, room, userRoom);
      return "/socket.io/?EIO=4&transport=websocket" + (q.isEmpty() ? "" : "&" + q.substring(1));
    }

    @Override
    boolean onControlFrame(WebSocket ws, String frame, String room) {
      if (frame.startsWith("0{")) {
        ws.writeTextMessage("40");
        return false;
      }
      if (frame.equals("2")) {
        ws.writeTextMessage("3");
        return false;
      }
      return frame.startsWith("40");
    }
  };

  /** Herald's token for bench user {@code user} (rooms bench:*). */
  private static String token(int user) {
    return Tokens.user(userId(user), "bench:*");
  }

  boolean herald() {
    return label.startsWith("herald");
  }

  /** An SSE member (an HTTP stream), not a WebSocket. */
  boolean sse() {
    return false;
  }

  final String label;

  ServerKind(String label) {
    this.label = label;
  }

  /** The kind whose {@link #label} is {@code label}. */
  static ServerKind valueOfLabel(String label) {
    for (ServerKind k : values()) {
      if (k.label.equals(label)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown server " + label + " (herald, raw-vertx, socketio-node)");
  }

  /** The bench's user id for user number {@code n} (the same on every server). */
  static String userId(int n) {
    return "bench-u" + n;
  }

  /**
   * The WebSocket URI for user {@code user}, joining {@code room} (null: none) and, when
   * {@code userRoom}, the personal room {@code user:{id}} (Herald always has it).
   */
  abstract String connectUri(int user, String room, boolean userRoom);

  /** {@code ?room=..&user=..} for the two comparison servers, which join what the query names. */
  private static String query(int user, String room, boolean userRoom) {
    StringBuilder q = new StringBuilder();
    if (room != null) {
      q.append("&room=").append(room);
    }
    if (userRoom) {
      q.append("&user=").append(userId(user));
    }
    return q.isEmpty() ? "" : "?" + q.substring(1);
  }

  boolean readyOnOpen() {
    return false;
  }

  /** Handles a frame that carries no bench stamp; returns true when the connection has become ready. */
  boolean onControlFrame(WebSocket ws, String frame, String room) {
    return false;
  }

  /**
   * The HTTP path of message {@code seq}. Herald: a room's events, a broadcast, or a stored
   * notification for a user. The comparison servers: a room's, or the user's room {@code user:{id}}.
   */
  String publishPath(Target target, long seq) {
    if (herald()) {
      return target instanceof Target.Room r ? "/api/rooms/" + r.name() + "/events"
          : target instanceof Target.Broadcast ? "/api/broadcast" : "/api/notifications";
    }
    return "/publish/" + (target instanceof Target.Users u ? "user:" + u.userId(seq) : ((Target.Room) target).name());
  }

  String publishBody(Target target, long seq, long sentNanos) {
    if (!herald()) {
      return "{\"t\":" + sentNanos + "}";
    }
    if (target instanceof Target.Users u) {
      return "{\"userId\":\"" + u.userId(seq) + "\",\"title\":\"bench\",\"message\":\"bench\",\"data\":{\"t\":"
          + sentNanos + "}}";
    }
    return "{\"event\":\"bench\",\"data\":{\"t\":" + sentNanos + "}}";
  }

  String publishAuthorization() {
    return herald() ? "Bearer " + Tokens.service() : null;
  }

  /** Whether a message to a user is stored before it is delivered (only Herald stores anything). */
  boolean stores() {
    return herald();
  }
}

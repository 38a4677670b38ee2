package io.herald.bench;

import io.herald.test.Tokens;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;

/**
 * What differs between the servers the bench compares: the connect URI, when a connection counts
 * as ready, the frames a client must answer, and how a publisher reaches a room. Every publish
 * carries {@code "t": System.nanoTime()} at send time; receivers in the same machine subtract.
 */
enum ServerKind {
  /** Herald /ws: JWT on the upgrade, ready on {@code connected} (or {@code joined-room} when joining). */
  HERALD("herald") {
    @Override
    String connectUri(int user, String room) {
      return "/ws?token=" + token(user);
    }

    @Override
    WebSocketConnectOptions connectOptions(int user, String room, TokenIn tokenIn) {
      return switch (tokenIn) {
        case QUERY -> super.connectOptions(user, room, tokenIn);
        case HEADER -> new WebSocketConnectOptions().setURI("/ws").addHeader("Authorization", "Bearer " + token(user));
        case FRAME -> new WebSocketConnectOptions().setURI("/ws");
      };
    }

    @Override
    void onOpen(WebSocket ws, int user, TokenIn tokenIn) {
      if (tokenIn == TokenIn.FRAME) {
        ws.writeTextMessage("{\"event\":\"auth\",\"data\":{\"token\":\"" + token(user) + "\"}}");
      }
    }

    private String token(int user) {
      return Tokens.user("bench-u" + user, "bench:*");
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

    @Override
    String publishPath(String room) {
      return "/api/rooms/" + room + "/events";
    }

    @Override
    String publishBody(long sentNanos) {
      return "{\"event\":\"bench\",\"data\":{\"t\":" + sentNanos + "}}";
    }

    @Override
    String publishAuthorization() {
      return "Bearer " + Tokens.service();
    }
  },

  /** The built-in raw Vert.x WebSocket server: ready on open, the body is forwarded as is. */
  RAW_VERTX("raw-vertx") {
    @Override
    String connectUri(int user, String room) {
      return room == null ? "/ws" : "/ws?room=" + room;
    }

    @Override
    boolean readyOnOpen() {
      return true;
    }
  },

  /** npm socket.io 4 on Node: Engine.IO v4 over WebSocket, ready on the namespace CONNECT ack. */
  SOCKETIO("socketio-node") {
    @Override
    String connectUri(int user, String room) {
      return "/socket.io/?EIO=4&transport=websocket" + (room == null ? "" : "&room=" + room);
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

  /**
   * Where a Herald client puts its token: the upgrade's query ({@code ?token=}, the default), its
   * {@code Authorization} header, or an {@code auth} frame after the upgrade. The servers keep the
   * upgrade request of each WebSocket, so this changes what a connection costs them.
   */
  enum TokenIn { QUERY, HEADER, FRAME }

  final String label;

  ServerKind(String label) {
    this.label = label;
  }

  abstract String connectUri(int user, String room);

  /** The connect options (URI, headers) of member {@code user}; the host and port are set by the caller. */
  WebSocketConnectOptions connectOptions(int user, String room, TokenIn tokenIn) {
    return new WebSocketConnectOptions().setURI(connectUri(user, room));
  }

  /** Called once the WebSocket is open, before any frame is read. */
  void onOpen(WebSocket ws, int user, TokenIn tokenIn) {
  }

  boolean readyOnOpen() {
    return false;
  }

  /** Handles a frame that carries no bench stamp; returns true when the connection has become ready. */
  boolean onControlFrame(WebSocket ws, String frame, String room) {
    return false;
  }

  String publishPath(String room) {
    return "/publish/" + room;
  }

  String publishBody(long sentNanos) {
    return "{\"t\":" + sentNanos + "}";
  }

  String publishAuthorization() {
    return null;
  }
}

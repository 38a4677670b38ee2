package io.herald.gateway.transport.socketio;

import io.herald.gateway.transport.OutboundBytes;
import io.herald.gateway.transport.WebSocketWriter;
import io.herald.protocol.Encoded;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import java.util.ArrayDeque;

/**
 * What an Engine.IO connection sends, whichever transport carries it now: packets queue for the
 * next long-poll (a held poll is answered at once) until the connection runs on a WebSocket, then
 * go straight to it. Every packet counts in one {@link OutboundBytes} budget until the network took
 * it (written to the WebSocket, or answered to a poll). Used on the connection's context.
 */
final class EngineIoOutbox {
  private final ArrayDeque<Encoded> queue = new ArrayDeque<>();
  private final OutboundBytes outbound;
  private HttpServerResponse pendingPoll;
  private ServerWebSocket ws;
  private WebSocketWriter writer;

  EngineIoOutbox(int maxOutboundQueueBytes) {
    this.outbound = new OutboundBytes(maxOutboundQueueBytes);
  }

  /** The WebSocket the connection runs on, or null while it polls. */
  ServerWebSocket webSocket() {
    return ws;
  }

  /** The connection runs on {@code socket} from now on: what was queued for a poll goes there first. */
  void switchTo(ServerWebSocket socket) {
    ws = socket;
    writer = new WebSocketWriter(socket);
    while (!queue.isEmpty()) {
      Encoded packet = queue.poll();
      outbound.add(-packet.bytes());
      write(socket, packet);
    }
  }

  /** Queues (or writes) a packet; false, sending nothing, when the client already has the budget waiting. */
  boolean send(Encoded packet) {
    if (outbound.full()) {
      return false;
    }
    if (ws != null) {
      write(ws, packet);
      return true;
    }
    outbound.add(packet.bytes());
    queue.add(packet);
    if (pendingPoll != null) {
      HttpServerResponse r = pendingPoll;
      pendingPoll = null;
      flushTo(r);
    }
    return true;
  }

  /**
   * Writes to a WebSocket, counting the bytes until they are sent; a socket that closed meanwhile
   * (its close event is still on its way to this context) drops the packet quietly.
   */
  void write(ServerWebSocket socket, Encoded packet) {
    if (socket.isClosed()) {
      return;
    }
    if (socket == ws) {
      writer.write(packet, outbound);
    } else {
      outbound.track(packet.bytes(), socket.writeTextMessage(packet.text())); // the upgrade's probe
    }
  }

  long queuedBytes() {
    return outbound.queued();
  }

  boolean queued() {
    return !queue.isEmpty();
  }

  boolean pollHeld() {
    return pendingPoll != null;
  }

  /** A long-polling GET: answered now with what is queued, else held until something is. */
  void poll(HttpServerResponse response) {
    response.closeHandler(v -> {
      if (pendingPoll == response) {
        pendingPoll = null;
      }
    });
    if (queue.isEmpty()) {
      pendingPoll = response;
    } else {
      flushTo(response);
    }
  }

  /** Answers the held poll, if any, with {@code body} (a noop {@code 6}, a close {@code 1}). */
  void answerHeldPoll(String body) {
    if (pendingPoll != null) {
      respond(pendingPoll, body);
      pendingPoll = null;
    }
  }

  private void flushTo(HttpServerResponse response) {
    StringBuilder b = new StringBuilder();
    long bytes = 0;
    while (!queue.isEmpty()) {
      if (b.length() > 0) {
        b.append(EngineIoSession.SEPARATOR);
      }
      Encoded packet = queue.poll();
      bytes += packet.bytes();
      b.append(packet.text());
    }
    outbound.add(-bytes);
    respond(response, b.toString());
  }

  static void respond(HttpServerResponse response, String body) {
    if (!response.ended() && !response.closed()) {
      response.putHeader("content-type", "text/plain; charset=UTF-8").end(body);
    }
  }
}

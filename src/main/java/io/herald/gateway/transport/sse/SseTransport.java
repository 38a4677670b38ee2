package io.herald.gateway.transport.sse;

import io.herald.gateway.transport.ChannelWrites;
import io.herald.gateway.transport.OutboundBytes;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.internal.buffer.BufferInternal;
import io.herald.protocol.Encoded;
import io.herald.protocol.ServerFrame;
import io.herald.protocol.WireFormat;
import io.herald.session.Transport;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * The Server-Sent Events transport at {@code /notifications/events} (docs/transport-sse.md): one
 * chunked {@code text/event-stream} response, server to client only. It turns each server frame
 * {@code {"event","data","notificationId"?}} into an SSE event and holds no other logic; the
 * {@link io.herald.session.Session} does auth, limits, presence and replay as for every transport.
 *
 * <p>The {@code id:} field is written only for stored items, so the client's last event id is always
 * a notification id and its automatic {@code Last-Event-ID} on reconnect is the replay cursor.
 * Methods are called on the connection's event loop.
 */
public final class SseTransport implements Transport {
  /** Written on an idle stream: a comment, which every EventSource ignores. */
  static final Encoded HEARTBEAT = Encoded.of(": ping\n\n");
  /** A frame as one SSE event; {@code id:} is its notification id (stored items only). */
  static final WireFormat FORMAT = WireFormat.of("sse",
      f -> event(f.event(), f.isStored() ? f.notificationId() : null, f.dataJson()));

  private final HttpServerResponse response;
  /** Writes on the HTTP/1.x connection's Netty channel (none on HTTP/2: then the response writes). */
  private final ChannelWrites channel;
  private final OutboundBytes outbound;
  private boolean ended;
  /**
   * The catch-up failed: live events go out without {@code id:}, so the browser's Last-Event-ID
   * stays at the old cursor and its next connection replays what this one could not.
   */
  private boolean cursorFrozen;
  /** The event last written: an 'error' or 'reconnect' already tells the client why the stream ends. */
  private String lastEvent;
  private final Runnable afterEnd;
  private final long heartbeatMs;
  private long lastHeartbeat = System.currentTimeMillis();

  /**
   * {@code afterEnd} runs once the end of the stream is written (the endpoint closes the connection).
   * {@code http1} is the stream's HTTP/1.x connection (null on HTTP/2, whose connection other
   * streams share): its events are then written as chunks on its channel, flushed once per round
   * of its event loop's tasks ({@link ChannelWrites}), rather than each through the response.
   */
  SseTransport(HttpServerResponse response, HttpConnection http1, int maxOutboundQueueBytes, long heartbeatMs,
      Runnable afterEnd) {
    this.response = response;
    this.channel = new ChannelWrites(http1 instanceof io.vertx.core.http.impl.HttpServerConnection c ? c.channelHandlerContext() : null);
    this.outbound = new OutboundBytes(maxOutboundQueueBytes);
    this.heartbeatMs = heartbeatMs;
    this.afterEnd = afterEnd;
  }

  /**
   * Writes one server frame as an SSE event. The session's {@code connected} frame is not written:
   * on SSE the 200 response is the confirmation, and the session id it carries is of no use to a
   * client that cannot send frames. Returns false, writing nothing, when the outbound queue is full.
   */
  @Override
  public boolean write(ServerFrame frame) {
    if (ended || response.closed()) {
      return true; // the close path is already running; like a closed WebSocket, nothing to report
    }
    String event = frame.event();
    if ("connected".equals(event)) {
      return true;
    }
    if (outbound.full()) {
      return false;
    }
    writeChunk(cursorFrozen && frame.isStored() ? Encoded.of(event(event, null, frame.dataJson())) : frame.encoded(FORMAT));
    lastEvent = event;
    return true;
  }

  @Override
  public void replayFailed() {
    cursorFrozen = true;
  }

  private void writeChunk(Encoded chunk) {
    if (response.headWritten() && channel.onLoop()) {
      // one chunk of the response's chunked body, framed by Netty's HTTP encoder as Vert.x's are
      channel.write(new DefaultHttpContent(((BufferInternal) chunk.buffer()).getByteBuf()), chunk.bytes(), outbound);
    } else {
      outbound.track(chunk.bytes(), response.write(chunk.buffer()));
    }
  }

  /**
   * Ends the stream. When the session did not already say why (an {@code error} or {@code
   * reconnect} event), a {@code reconnect} event with the reason is written first, so the client
   * knows its EventSource will (and may) reconnect.
   */
  @Override
  public void close(short code, String reason) {
    if (ended) {
      return;
    }
    ended = true;
    if (!response.closed()) {
      if (!"error".equals(lastEvent) && !"reconnect".equals(lastEvent)) {
        JsonObject data = new JsonObject().put("reason", reason).put("code", code);
        writeChunk(Encoded.of(event("reconnect", null, data.encode())));
      }
      response.end().onComplete(ar -> afterEnd.run());
    }
  }

  @Override
  public long queuedBytes() {
    return outbound.queued();
  }

  @Override
  public String kind() {
    return "sse";
  }

  /** Every {@code sse.heartbeat-ms}: a comment, unless the stream ended or its queue is full (then data is pending anyway). */
  @Override
  public void keepAlive(long now) {
    if (now - lastHeartbeat < heartbeatMs) {
      return;
    }
    lastHeartbeat = now;
    if (!ended && !response.closed() && !outbound.full()) {
      writeChunk(HEARTBEAT);
    }
  }

  /** The connection closed, from either side. */
  void ended() {
    ended = true;
  }

  /** Whether this stream's close was already told to the client; for the endpoint's pre-session events. */
  boolean isEnded() {
    return ended || response.closed();
  }

  /**
   * One SSE event: {@code event:}, {@code id:} when {@code id} is not null, one {@code data:} line
   * per line of {@code data} (CR, LF or CRLF split it, as the spec reads them), then a blank line.
   * An event name cannot span lines: CR and LF in it become spaces, so a producer's event name can
   * never inject fields.
   */
  static String event(String event, Long id, String data) {
    StringBuilder sb = new StringBuilder(data.length() + event.length() + 32);
    sb.append("event: ").append(event.replace('\r', ' ').replace('\n', ' ')).append('\n');
    if (id != null) {
      sb.append("id: ").append(id.longValue()).append('\n');
    }
    for (String line : data.split("\r\n|\r|\n", -1)) {
      sb.append("data: ").append(line).append('\n');
    }
    return sb.append('\n').toString();
  }
}

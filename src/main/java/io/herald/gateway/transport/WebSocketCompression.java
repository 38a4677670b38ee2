package io.herald.gateway.transport;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionFilter;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionFilterProvider;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandshaker;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import java.util.HashMap;
import java.util.Map;

/**
 * permessage-deflate (RFC 7692) for the WebSocket clients that offer it, on every WebSocket
 * transport ({@code /ws}, Socket.IO, SockJS, the bridge), without per-connection compression state:
 *
 * <ul>
 *   <li>The answer always carries {@code server_no_context_takeover} (RFC 7692 7.1.1.1 lets a server
 *       add it to any offer): Herald's compressor exists only while one message is compressed, so
 *       no connection keeps compression memory for what Herald sends.</li>
 *   <li>{@code client_no_context_takeover} is answered only when the client offered it. RFC 7692
 *       lets a server add it too, and browsers and {@code ws} accept it, but Netty's client (Vert.x,
 *       Java) refuses the connection when it was not asked for. Without it, a client that sends
 *       compressed messages keeps Herald's decompressor for that connection (one zlib inflate state
 *       and window, about 40 KB, made at its first compressed message; docs/benchmarks.md).</li>
 *   <li>Only messages of at least {@code ws.compression-threshold-bytes} are compressed; smaller ones
 *       go as they are (the RSV1 bit tells the client).</li>
 *   <li>A compressed client message may inflate to at most {@code maxMessageBytes}, the same hard
 *       limit as an uncompressed one, so a small compressed frame cannot blow up.</li>
 * </ul>
 *
 * Vert.x builds its own extension handler from {@link HttpServerOptions}; {@link #install} swaps
 * it, on each new connection, for one with this handshaker. A client that offers nothing gets an
 * uncompressed connection.
 */
public final class WebSocketCompression {
  /** The pipeline name Vert.x gives its WebSocket extension handler. */
  static final String HANDLER = "webSocketExtensionHandler";

  private final WebSocketServerExtensionHandshaker handshaker;

  public WebSocketCompression(int level, int thresholdBytes, int maxMessageBytes) {
    WebSocketExtensionFilter skipSmall = frame -> frame.content().readableBytes() < thresholdBytes;
    WebSocketExtensionFilterProvider filters = new WebSocketExtensionFilterProvider() {
      @Override
      public WebSocketExtensionFilter encoderFilter() {
        return skipSmall;
      }

      @Override
      public WebSocketExtensionFilter decoderFilter() {
        return WebSocketExtensionFilter.NEVER_SKIP;
      }
    };
    PerMessageDeflateServerExtensionHandshaker deflate = new PerMessageDeflateServerExtensionHandshaker(level,
        false, PerMessageDeflateServerExtensionHandshaker.MAX_WINDOW_SIZE, true, true, filters, maxMessageBytes);
    this.handshaker = offer -> {
      if (!"permessage-deflate".equals(offer.name())) {
        return null;
      }
      Map<String, String> params = new HashMap<>(offer.parameters());
      params.put("server_no_context_takeover", null);
      params.remove("server_max_window_bits"); // no window is kept between messages, whatever its size
      return deflate.handshakeExtension(new WebSocketExtensionData(offer.name(), params));
    };
  }

  /** Server options under which Vert.x installs an extension handler (this class replaces it). */
  public static HttpServerOptions enable(HttpServerOptions options, int level) {
    return options.setPerMessageWebSocketCompressionSupported(true)
        .setPerFrameWebSocketCompressionSupported(false)
        .setWebSocketCompressionLevel(level);
  }

  /** For {@code HttpServer.connectionHandler}: swaps Vert.x's extension handler for this one. */
  public void install(HttpConnection connection) {
    if (connection instanceof io.vertx.core.net.impl.ConnectionBase base) {
      ChannelPipeline pipeline = base.channelHandlerContext().pipeline();
      if (pipeline.get(HANDLER) != null) {
        pipeline.replace(HANDLER, HANDLER, new WebSocketServerExtensionHandler(handshaker));
      }
    }
  }
}

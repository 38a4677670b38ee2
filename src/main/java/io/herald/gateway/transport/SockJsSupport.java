package io.herald.gateway.transport;

import io.herald.config.HeraldConfig;
import io.herald.protocol.ErrorBody;
import io.herald.protocol.ErrorCode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.Transport;

/**
 * What the two SockJS endpoints ({@code /sockjs} and the event-bus bridge) mount around vertx-web's
 * SockJS handler: the transport set, the bounded message body, no raw WebSocket path, and the
 * fixes of {@link #guardSessionRequests}.
 */
public final class SockJsSupport {
  /** Sessions whose poll or streaming request is being registered (see {@link #receive}). */
  private static final String REGISTERING_MAP = "herald.sockjs.registering";
  private static final int MAX_REGISTER_WAIT_MS = 1000;
  /** {@code /{server}/{session}/} of a SockJS session request. */
  private static final String SESSION = "/[^/.]+/[^/.]+/";

  private SockJsSupport() {}

  /**
   * Mounts, under {@code basePath}, what must come before the SockJS handler: the raw WebSocket
   * path answered 404 with {@code rawWebSocketMessage} (SockJS would serve the protocol there
   * without its framing, and read binary frames as text), the message-body limit of the XHR
   * transports (a WebSocket frame's on {@code /ws}; over it: 413), and the session-request guard.
   */
  public static void mountBefore(Vertx vertx, Router router, String basePath, HeraldConfig config, String rawWebSocketMessage) {
    router.route(basePath + "/websocket").handler(ctx ->
        ErrorBody.send(ctx.response(), ErrorCode.NOT_FOUND, rawWebSocketMessage));
    router.post(basePath + "/*").handler(BodyHandler.create(false).setBodyLimit(maxMessageBytes(config)));
    guardSessionRequests(vertx, router, basePath);
  }

  /** The transports browsers need today; jsonp and htmlfile only served browsers without CORS XHR. */
  public static SockJSHandlerOptions options(HeraldConfig config) {
    return new SockJSHandlerOptions()
        .setHeartbeatInterval(config.sockjsHeartbeatMs)
        .setSessionTimeout(config.sockjsSessionTimeoutMs)
        .setMaxBytesStreaming(config.sockjsMaxBytesStreaming)
        .addDisabledTransport(Transport.JSON_P.name())
        .addDisabledTransport(Transport.HTML_FILE.name());
  }

  /** The same hard limit a WebSocket frame on /ws has (GatewayVerticle.serverOptions). */
  public static int maxMessageBytes(HeraldConfig config) {
    return Math.max(config.maxFrameBytes * 4, 65536);
  }

  private static void guardSessionRequests(Vertx vertx, Router router, String basePath) {
    LocalMap<String, Boolean> registering = vertx.sharedData().getLocalMap(REGISTERING_MAP);
    // No capturing groups: SockJS reads the session id as the request's first regex parameter.
    router.routeWithRegex(basePath + SESSION + "(?:xhr|xhr_streaming|eventsource)")
        .handler(ctx -> receive(vertx, registering, ctx, 0));
  }

  /**
   * A poll or streaming request that opens (or re-attaches to) a SockJS session. Two fixes around
   * vertx-web 5.0.10's SockJS:
   * <ul>
   *   <li>It closes the connection after every such response without saying so. A keep-alive client
   *       (Node's default agent since Node 19; proxies, vertx-web issue #2862) may then send its
   *       next request on that dying connection and fail: {@code Connection: close} announces it.
   *   <li>A session's requests land on whichever event loop accepted their connection, and
   *       SockJSSession.register is not safe across threads: it sends {@code o} before it records
   *       that it did, so a client polling again at once can be answered {@code o} a second time
   *       on another event loop (sockjs-client then closes with 1006 "Server lost session") and
   *       the socket handler runs twice for one session. So one such request per session runs at
   *       a time, node-wide; another one for the same session waits (1 ms steps) until it returns.
   * </ul>
   */
  private static void receive(Vertx vertx, LocalMap<String, Boolean> registering, RoutingContext ctx, int waited) {
    String path = ctx.normalizedPath(); // <base>/<server>/<session>/<transport>
    String session = path.substring(0, path.lastIndexOf('/'));
    boolean mine = registering.putIfAbsent(session, Boolean.TRUE) == null;
    if (!mine && waited < MAX_REGISTER_WAIT_MS) {
      vertx.setTimer(1, t -> receive(vertx, registering, ctx, waited + 1));
      return;
    }
    ctx.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    try {
      ctx.next(); // the SockJS handler registers the request with its session synchronously
    } finally {
      if (mine) {
        registering.remove(session);
      }
    }
  }
}

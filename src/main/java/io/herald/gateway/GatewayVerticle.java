package io.herald.gateway;

import io.herald.auth.Credentials;
import io.herald.api.ApiRoutes;
import io.herald.api.PushRoutes;
import io.herald.config.HeraldConfig;
import io.herald.gateway.transport.SseEndpoint;
import io.herald.gateway.transport.QueryParams;
import io.herald.gateway.transport.SockJSEndpoint;
import io.herald.gateway.transport.WebSocketTransport;
import io.herald.gateway.transport.socketio.EngineIoServer;
import io.herald.protocol.CloseCodes;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.ServerFrame;
import io.herald.session.NodeState;
import io.herald.session.Session;
import io.herald.session.SessionHub;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeUnit;

/**
 * The socket bridge: one instance per event loop, all sharing the HTTP port. Serves the WebSocket
 * endpoint, the REST API and the health checks. Transports only frame and authenticate; sessions
 * live in the shared {@link SessionHub}.
 */
public final class GatewayVerticle extends VerticleBase {
  private final HeraldConfig config;
  private final SessionHub hub;
  private final ApiRoutes api;
  private final PushRoutes push;
  private HttpServer server;

  private final EngineIoServer socketIo;

  public GatewayVerticle(HeraldConfig config, SessionHub hub, ApiRoutes api, EngineIoServer socketIo, PushRoutes push) {
    this.config = config;
    this.hub = hub;
    this.api = api;
    this.socketIo = socketIo;
    this.push = push;
  }

  /** HTTP server options for every gateway instance. */
  static HttpServerOptions serverOptions(HeraldConfig config) {
    // Frames up to 4x the protocol limit are read and answered with PAYLOAD_TOO_LARGE; only beyond
    // that does Vert.x close the connection (1009), so a single big frame never costs more memory.
    int hardLimit = Math.max(config.maxFrameBytes * 4, 65536);
    return new HttpServerOptions()
        .setHost(config.httpHost)
        .setPort(config.httpPort)
        .setMaxWebSocketFrameSize(hardLimit)
        .setMaxWebSocketMessageSize(hardLimit)
        .setRegisterWebSocketWriteHandlers(false)
        // No permessage-deflate: each connection would keep ~100 kB of zlib state, and the frame
        // limit would apply to compressed bytes instead of what the client really sent.
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        // Idle HTTP connections (keep-alive REST clients) close after ws.idle-timeout-ms with no
        // traffic either way; streams stay open through their heartbeats, and WebSockets are
        // checked on what the client sends (keepAlive below), since our own pings are traffic.
        .setIdleTimeout(config.idleTimeoutMs)
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        // A peer that vanished without closing never acknowledges the heartbeats every transport
        // sends: the kernel drops it after tcp-user-timeout-ms (epoll transport only; SSE and
        // streaming SockJS have no other way to notice).
        .setTcpKeepAlive(true)
        .setTcpUserTimeout(config.tcpUserTimeoutMs);
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    NodeState state = hub.state();
    router.get("/health/live").handler(ctx -> health(ctx, true));
    router.get("/health/ready").handler(ctx -> health(ctx, state.ready()));
    router.route(config.wsPath).handler(ctx -> upgrade(ctx.request()));
    // --- Socket.IO (Engine.IO v4) ---
    router.route(config.socketIoPath + "*").handler(socketIo::handle);
    // --- Server-Sent Events transport (docs/transport-sse.md) ---
    router.get(SseEndpoint.PATH).handler(new SseEndpoint(vertx, config, hub)::handle);
    // --- end Server-Sent Events ---
    // --- event-bus bridge (docs/transport-eventbus-bridge.md) ---
    if (config.bridgeEnabled) {
      io.herald.gateway.transport.BridgeEndpoint.mount(vertx, router, hub, config);
    }
    // --- end event-bus bridge ---
    // --- push registrations (docs/push.md): before the API, which claims /api/* bodies ---
    push.mount(router);
    // --- end push ---
    // --- SockJS transport (docs/transport-sockjs.md) ---
    SockJSEndpoint.mount(vertx, router, hub, config);
    // --- end SockJS transport ---
    api.mount(router);
    ApiRoutes.mountErrorHandlers(router);
    // The WebSocket endpoint's own path skips the router: a socket upgraded through a routing
    // context is wrapped (and the wrapper, with the authority and remote address it copies, lives
    // as long as the socket). Other spellings of the path ("/ws/") still reach it through the route.
    server = vertx.createHttpServer(serverOptions(config)).requestHandler(req -> {
      if (config.wsPath.equals(req.path())) {
        upgrade(req);
      } else {
        router.handle(req);
      }
    });
    vertx.setPeriodic(config.pingIntervalMs, id -> pingAll());
    return server.listen();
  }

  private void upgrade(HttpServerRequest request) {
    if (hub.state().draining()) {
      request.response().setStatusCode(503).putHeader("Retry-After", "1").end();
      return;
    }
    if (!"websocket".equalsIgnoreCase(request.getHeader(HttpHeaders.UPGRADE))) {
      request.response().setStatusCode(400).putHeader("content-type", "application/json")
          .end(new JsonObject().put("error", new JsonObject()
              .put("code", ErrorCode.BAD_REQUEST.name())
              .put("message", "WebSocket upgrade required")).encode());
      return;
    }
    QueryParams query = QueryParams.of(request.uri());
    String token = Credentials.bearer(request.getHeader(HttpHeaders.AUTHORIZATION));
    if (token == null) {
      token = query.first("token");
    }
    String upgradeToken = token == null || token.isBlank() ? null : token;
    String lastNotificationId = query.first("lastNotificationId");
    if (hub.full()) {
      // Accepted so that the client can read why; it should try another node.
      request.toWebSocket().onSuccess(ws -> {
        ws.writeTextMessage(ServerFrame.error(ErrorCode.UNAVAILABLE, "this node is at its connection limit; try again", null).json());
        ws.close(CloseCodes.TRY_AGAIN_LATER, "node full");
      });
      return;
    }
    request.toWebSocket().onSuccess(ws ->
        WebSocketTransport.attach(hub, ws, upgradeToken, lastNotificationId, config.maxOutboundQueueBytes));
  }

  /**
   * Keep-alive of this instance's authenticated /ws sockets: the node's open sessions that run on
   * this event loop (a socket still authenticating is bounded by ws.auth-timeout-ms instead). The
   * registry is walked rather than a set of sockets kept per instance, which would cost every
   * connection a set entry.
   */
  private void pingAll() {
    for (Session s : hub.registry().on(context)) {
      if (s.transport() instanceof WebSocketTransport t) {
        t.keepAlive(config.idleTimeoutMs);
      }
    }
  }

  private static void health(RoutingContext ctx, boolean up) {
    ctx.response()
        .setStatusCode(up ? 200 : 503)
        .putHeader("content-type", "application/json")
        .end(new JsonObject().put("status", up ? "UP" : "DOWN").encode());
  }

  /** The port this instance listens on (useful when configured with port 0). */
  public int actualPort() {
    return server.actualPort();
  }
}

package io.herald.gateway;

import io.herald.api.ApiRoutes;
import io.herald.api.PushRoutes;
import io.herald.api.RequestMetrics;
import io.herald.metrics.Health;
import io.herald.metrics.HeraldMetrics;
import io.herald.metrics.MetricsEndpoint;
import io.herald.config.HeraldConfig;
import io.herald.gateway.transport.Endpoint;
import io.herald.gateway.transport.WebSocketCompression;
import io.herald.gateway.transport.bridge.BridgeEndpoint;
import io.herald.gateway.transport.socketio.EngineIoServer;
import io.herald.gateway.transport.socketio.SocketIoEndpoint;
import io.herald.gateway.transport.sockjs.SockJSEndpoint;
import io.herald.gateway.transport.sse.SseEndpoint;
import io.herald.gateway.transport.websocket.WebSocketEndpoint;
import io.herald.session.NodeState;
import io.herald.session.Session;
import io.herald.session.SessionHub;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;
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
    int hardLimit = hardLimit(config);
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.httpHost)
        .setPort(config.httpPort)
        .setMaxWebSocketFrameSize(hardLimit)
        .setMaxWebSocketMessageSize(hardLimit)
        .setRegisterWebSocketWriteHandlers(false)
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
    // permessage-deflate without context takeover (WebSocketCompression): no zlib state is kept per
    // connection, and ws.max-frame-bytes still applies to the inflated text.
    return config.wsCompression ? WebSocketCompression.enable(options, config.wsCompressionLevel) : options;
  }

  /** The largest WebSocket frame or message read (inflated, for a compressed one) before the connection is closed. */
  static int hardLimit(HeraldConfig config) {
    return Math.max(config.maxFrameBytes * 4, 65536);
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    NodeState state = hub.state();
    router.get(Health.LIVE_PATH).handler(ctx -> Health.answer(ctx, true));
    router.get(Health.READY_PATH).handler(ctx -> Health.answer(ctx, state.ready()));
    if (config.metricsEnabled && config.metricsPort == 0) {
      router.get(MetricsEndpoint.PATH).handler(new MetricsEndpoint(vertx, config.metricsToken));
    }
    RequestMetrics requests = new RequestMetrics(HeraldMetrics.of(vertx));
    router.route("/api/*").handler(requests);
    // the push routes; not the SSE stream, whose "request" lasts as long as the connection
    router.route("/notifications/*").handler(ctx -> {
      if (ctx.normalizedPath().equals(SseEndpoint.PATH)) {
        ctx.next();
      } else {
        requests.handle(ctx);
      }
    });
    WebSocketEndpoint ws = new WebSocketEndpoint(config, hub);
    // The transports (docs/architecture.md, "Transports"), then the push routes before the API,
    // which claims /api/* bodies.
    List<Endpoint> endpoints = new ArrayList<>(List.of(
        ws,
        new SocketIoEndpoint(socketIo),
        new SseEndpoint(vertx, config, hub),
        new SockJSEndpoint(vertx, config, hub)));
    if (config.bridgeEnabled) {
      endpoints.add(new BridgeEndpoint(vertx, config, hub));
    }
    endpoints.forEach(e -> e.mount(router));
    push.mount(router);
    api.mount(router);
    ApiRoutes.mountErrorHandlers(router);
    server = vertx.createHttpServer(serverOptions(config));
    if (config.wsCompression) {
      WebSocketCompression compression = new WebSocketCompression(config.wsCompressionLevel,
          config.wsCompressionThresholdBytes, hardLimit(config));
      server.connectionHandler(compression::install);
    }
    server.requestHandler(req -> {
          if (ws.handles(req)) {
            ws.upgrade(req);
          } else if (socketIo.handlesUpgrade(req)) {
            socketIo.handle(req);
          } else {
            router.handle(req);
          }
        });
    vertx.setPeriodic(keepAliveTickMs(config), id -> keepAlive());
    probeEventLoopDelay();
    return server.listen();
  }

  /**
   * The keep-alive sweep's period: a quarter of the shortest heartbeat interval of any transport
   * (each transport sends its own when due), at most a second.
   */
  static long keepAliveTickMs(HeraldConfig config) {
    long shortest = Math.min(Math.min(config.pingIntervalMs, config.sseHeartbeatMs),
        Math.min(config.socketIoPingIntervalMs, config.bridgePingTimeoutMs));
    return Math.max(10, Math.min(1000, shortest / 4));
  }

  /**
   * The one keep-alive sweep of this event loop: every open session that runs on it gets its
   * transport's {@link io.herald.session.Transport#keepAlive} (a heartbeat when due, a dead peer
   * closed). The registry is walked rather than a set of sockets kept per transport, which would
   * cost every connection a set entry; a connection still authenticating is bounded by
   * {@code ws.auth-timeout-ms} instead.
   */
  private void keepAlive() {
    long now = System.currentTimeMillis();
    for (Session s : hub.registry().on(context)) {
      s.transport().keepAlive(now);
    }
  }

  /** How often each event loop measures how late its timer fires. */
  private static final long DELAY_PROBE_MS = 500;

  /**
   * {@code herald_event_loop_delay_seconds}: how much later than due a timer on this event loop
   * runs. A loop kept busy (or blocked) by long tasks shows it here before clients notice.
   */
  private void probeEventLoopDelay() {
    HeraldMetrics metrics = HeraldMetrics.of(vertx);
    if (!metrics.exported()) {
      return;
    }
    io.micrometer.core.instrument.Timer delay = io.micrometer.core.instrument.Timer.builder("herald.event.loop.delay")
        .description("How late a timer runs on a gateway event loop (sampled every 500 ms)")
        .serviceLevelObjectives(java.time.Duration.ofMillis(1), java.time.Duration.ofMillis(5),
            java.time.Duration.ofMillis(20), java.time.Duration.ofMillis(100), java.time.Duration.ofMillis(500),
            java.time.Duration.ofSeconds(2))
        .register(metrics.registry());
    // Vert.x runs periodic timers at a fixed rate: the k-th run is due k periods after the start.
    long period = TimeUnit.MILLISECONDS.toNanos(DELAY_PROBE_MS);
    long[] due = {System.nanoTime() + period};
    vertx.setPeriodic(DELAY_PROBE_MS, id -> {
      delay.record(Math.max(0, System.nanoTime() - due[0]), TimeUnit.NANOSECONDS);
      due[0] += period;
    });
  }

  /** The port this instance listens on (useful when configured with port 0). */
  public int actualPort() {
    return server.actualPort();
  }
}

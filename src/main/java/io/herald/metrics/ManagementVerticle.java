package io.herald.metrics;

import io.herald.config.HeraldConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;

/**
 * The management server, when {@code metrics.port} is set: {@code /metrics} without a token, the
 * same {@code /health/live} and {@code /health/ready} as the HTTP port, and {@code GET /drain} for a
 * preStop hook, so probes, scrapes and lifecycle calls stay off the client-facing port. It has no
 * authentication: bind it to an address only the cluster network reaches.
 */
public final class ManagementVerticle extends VerticleBase {
  /** The preStop hook's path. */
  public static final String DRAIN_PATH = "/drain";

  private final HeraldConfig config;
  private final java.util.function.BooleanSupplier ready;
  private final java.util.function.Supplier<Future<Integer>> drain;
  private HttpServer server;

  public ManagementVerticle(HeraldConfig config, java.util.function.BooleanSupplier ready,
      java.util.function.Supplier<Future<Integer>> drain) {
    this.config = config;
    this.ready = ready;
    this.drain = drain;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    if (config.metricsEnabled) {
      router.get(MetricsEndpoint.PATH).handler(new MetricsEndpoint(vertx, null));
    }
    // Kubernetes' preStop hook: starts the drain and answers once the clients have left (bounded).
    router.get(DRAIN_PATH).handler(ctx -> drain.get().onComplete(ar -> ctx.response()
        .putHeader("content-type", "application/json")
        .end("{\"status\":\"drained\",\"remaining\":" + (ar.succeeded() ? ar.result() : -1) + "}")));
    router.get(Health.LIVE_PATH).handler(ctx -> Health.answer(ctx, true));
    router.get(Health.READY_PATH).handler(ctx -> Health.answer(ctx, ready.getAsBoolean()));
    server = vertx.createHttpServer(new HttpServerOptions().setHost(config.metricsHost).setPort(config.metricsPort));
    return server.requestHandler(router).listen();
  }

  /** The port it listens on (metrics.port, or the one chosen for port 0 in tests). */
  public int actualPort() {
    return server.actualPort();
  }
}

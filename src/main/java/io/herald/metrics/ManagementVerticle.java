package io.herald.metrics;

import io.herald.config.HeraldConfig;
import io.herald.session.NodeState;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;

/**
 * The management server, when {@code metrics.port} is set: {@code /metrics} without a token, and
 * the same {@code /health/live} and {@code /health/ready} as the HTTP port, so probes and scrapes
 * can stay off the client-facing port.
 */
public final class ManagementVerticle extends VerticleBase {
  private final HeraldConfig config;
  private final NodeState state;
  private HttpServer server;

  public ManagementVerticle(HeraldConfig config, NodeState state) {
    this.config = config;
    this.state = state;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get(MetricsEndpoint.PATH).handler(new MetricsEndpoint(vertx, null));
    router.get("/health/live").handler(ctx -> Health.answer(ctx, true));
    router.get("/health/ready").handler(ctx -> Health.answer(ctx, state.ready()));
    server = vertx.createHttpServer(new HttpServerOptions().setHost(config.metricsHost).setPort(config.metricsPort));
    return server.requestHandler(router).listen();
  }

  /** The port it listens on (metrics.port, or the one chosen for port 0 in tests). */
  public int actualPort() {
    return server.actualPort();
  }
}

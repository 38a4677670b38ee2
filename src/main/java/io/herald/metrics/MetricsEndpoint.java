package io.herald.metrics;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * {@code GET /metrics}: the node's meters in the Prometheus text format. With a token, the request
 * needs {@code Authorization: Bearer <token>} (401 otherwise); the rendering runs on a worker, not
 * on the event loop.
 */
public final class MetricsEndpoint implements Handler<RoutingContext> {
  public static final String PATH = "/metrics";
  private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final Vertx vertx;
  private final byte[] expected;

  /** {@code token} empty or null: no authentication. */
  public MetricsEndpoint(Vertx vertx, String token) {
    this.vertx = vertx;
    this.expected = token == null || token.isEmpty() ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (expected != null) {
      String given = ctx.request().getHeader("Authorization");
      if (given == null || !MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
        ctx.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer realm=\"metrics\"")
            .putHeader("content-type", "application/json")
            .end("{\"error\":{\"code\":\"UNAUTHORIZED\",\"message\":\"/metrics needs Authorization: Bearer <metrics.token>\"}}");
        return;
      }
    }
    HeraldMetrics metrics = HeraldMetrics.of(vertx);
    vertx.executeBlocking(metrics::scrape, false).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().putHeader("content-type", CONTENT_TYPE).end(ar.result());
      } else {
        ctx.fail(ar.cause());
      }
    });
  }
}

package io.herald.metrics;

import io.vertx.ext.web.RoutingContext;

/** The health endpoints' answer: 200 {"status":"UP"} or 503 {"status":"DOWN"}. */
public final class Health {
  public static final String LIVE_PATH = "/health/live";
  public static final String READY_PATH = "/health/ready";

  private Health() {}

  public static void answer(RoutingContext ctx, boolean up) {
    ctx.response()
        .setStatusCode(up ? 200 : 503)
        .putHeader("content-type", "application/json")
        .end(up ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}");
  }
}

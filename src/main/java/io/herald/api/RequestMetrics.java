package io.herald.api;

import io.herald.logging.Mdc;
import io.herald.metrics.HeraldMetrics;
import io.vertx.core.Handler;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;

/**
 * The first handler of every REST route ({@code /api/*}, {@code /notifications/*}): gives the request
 * an id (the caller's {@code X-Request-Id} when it sent a sane one, else a new UUID), echoes it in the
 * response, records the request in {@code herald_rest_requests_seconds} by route pattern and
 * status when the response ends, and logs it at debug level with the id in the MDC.
 */
public final class RequestMetrics implements Handler<RoutingContext> {
  public static final String REQUEST_ID_HEADER = "X-Request-Id";
  /** Where the request id is kept on the routing context. */
  public static final String REQUEST_ID = "herald.requestId";
  private static final java.util.regex.Pattern SANE_ID = java.util.regex.Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RequestMetrics.class);
  private final HeraldMetrics metrics;

  public RequestMetrics(HeraldMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    String given = ctx.request().getHeader(REQUEST_ID_HEADER);
    String id = given != null && SANE_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
    ctx.put(REQUEST_ID, id);
    ctx.response().putHeader(REQUEST_ID_HEADER, id);
    ctx.addEndHandler(v -> {
      long nanos = System.nanoTime() - start;
      int status = ctx.response().getStatusCode();
      metrics.producerRequest("rest", route(ctx), Integer.toString(status), nanos);
      if (log.isDebugEnabled()) {
        try (Mdc mdc = Mdc.request(id)) {
          log.debug("{} {} {} in {} ms", ctx.request().method(), ctx.request().path(), status, nanos / 1_000_000);
        }
      }
    });
    ctx.next();
  }

  /** The request id of a request this handler saw, or null. */
  public static String requestId(RoutingContext ctx) {
    return ctx.get(REQUEST_ID);
  }

  /** "METHOD /pattern" of the route that answered ("/api/notifications/:id/read"), never the raw path. */
  private static String route(RoutingContext ctx) {
    Route r = ctx.currentRoute();
    String path = r == null ? null : r.getPath();
    if (path == null || path.endsWith("*")) {
      return "unmatched";
    }
    return ctx.request().method().name() + " " + path;
  }
}

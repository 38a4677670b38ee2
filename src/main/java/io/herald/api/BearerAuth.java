package io.herald.api;

import io.herald.auth.AuthVerticle;
import io.herald.auth.Principal;
import io.herald.cluster.Addresses;
import io.herald.protocol.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * The REST routes' bearer-token check: {@code Authorization: Bearer <jwt>} verified by the node's
 * auth verticle; the principal is then on the routing context. 401 for a missing or refused
 * token, 503 when verification is unavailable.
 */
final class BearerAuth implements Handler<RoutingContext> {
  private static final String PRINCIPAL = "herald.principal";

  private final Vertx vertx;

  BearerAuth(Vertx vertx) {
    this.vertx = vertx;
  }

  /** The verified caller of a request that passed this handler. */
  static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  @Override
  public void handle(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      ApiError.send(ctx, 401, ErrorCode.UNAUTHORIZED, "Authorization: Bearer <token> is required");
      return;
    }
    vertx.eventBus().<JsonObject>request(Addresses.AUTH_VERIFY, new JsonObject().put("token", header.substring(7).trim()))
        .onSuccess(msg -> {
          ctx.put(PRINCIPAL, Principal.fromJson(msg.body()));
          ctx.next();
        })
        .onFailure(err -> {
          if (err instanceof ReplyException re && re.failureCode() == AuthVerticle.REFUSED) {
            ApiError.send(ctx, 401, ErrorCode.UNAUTHORIZED, re.getMessage());
          } else {
            ApiError.send(ctx, 503, ErrorCode.UNAVAILABLE, "token verification unavailable");
          }
        });
  }
}

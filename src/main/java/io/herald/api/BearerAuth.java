package io.herald.api;

import io.herald.auth.AuthException;
import io.herald.auth.Credentials;
import io.herald.auth.Principal;
import io.herald.auth.VerifiedTokens;
import io.herald.protocol.ErrorBody;
import io.herald.protocol.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;

/**
 * The REST routes' bearer-token check: {@code Authorization: Bearer <jwt>} verified by the node's
 * auth verticle; the principal is then on the routing context. 401 for a missing or refused
 * token, 503 when verification is unavailable.
 */
final class BearerAuth implements Handler<RoutingContext> {
  private static final String PRINCIPAL = "herald.principal";

  private final Vertx vertx;
  /** Verified service tokens (the publishing API); null where only user tokens are expected. */
  private final VerifiedTokens verified;

  BearerAuth(Vertx vertx) {
    this(vertx, null);
  }

  BearerAuth(Vertx vertx, VerifiedTokens verified) {
    this.vertx = vertx;
    this.verified = verified;
  }

  /** The verified caller of a request that passed this handler. */
  static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  @Override
  public void handle(RoutingContext ctx) {
    String token = Credentials.bearer(ctx.request().getHeader("Authorization"));
    if (token == null) {
      io.herald.metrics.HeraldMetrics.of(vertx).authFailure("rest", "missing token");
      ErrorBody.send(ctx.response(), ErrorCode.UNAUTHORIZED, "Authorization: Bearer <token> is required");
      return;
    }
    (verified == null ? Credentials.verify(vertx, token) : verified.verify(token, t -> Credentials.verify(vertx, t)))
        .onSuccess(principal -> {
          ctx.put(PRINCIPAL, principal);
          ctx.next();
        })
        .onFailure(err -> {
          if (err instanceof AuthException) {
            io.herald.metrics.HeraldMetrics.of(vertx).authFailure("rest", err.getMessage());
            ErrorBody.send(ctx.response(), ErrorCode.UNAUTHORIZED, err.getMessage());
          } else {
            ErrorBody.send(ctx.response(), ErrorCode.UNAVAILABLE, "token verification unavailable");
          }
        });
  }
}

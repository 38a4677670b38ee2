package io.herald.api;

import io.herald.protocol.ErrorCode;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** REST error bodies: {@code {"error":{"code","message"}}}. */
final class ApiError {
  private ApiError() {}

  static void send(RoutingContext ctx, int status, ErrorCode code, String message) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", new JsonObject().put("code", code.name()).put("message", message)).encode());
  }
}

package io.herald.protocol;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * The one HTTP error body, {@code {"error":{"code","message"}}}, with the status its {@link
 * ErrorCode} carries: the REST API, the push routes, and every transport that refuses a request
 * before a connection exists (a missing token on SSE, a draining node on {@code /ws}).
 */
public final class ErrorBody {
  private ErrorBody() {}

  public static String json(ErrorCode code, String message) {
    return new JsonObject().put("error", new JsonObject().put("code", code.name()).put("message", message)).encode();
  }

  /** Ends {@code response} with the code's HTTP status and the body; nothing when it already ended. */
  public static void send(HttpServerResponse response, ErrorCode code, String message) {
    send(response, code.httpStatus(), code, message);
  }

  /** As {@link #send(HttpServerResponse, ErrorCode, String)}, with a status HTTP itself decided (405). */
  public static void send(HttpServerResponse response, int status, ErrorCode code, String message) {
    if (response.ended() || response.closed()) {
      return;
    }
    response.setStatusCode(status).putHeader("content-type", "application/json").end(json(code, message));
  }
}

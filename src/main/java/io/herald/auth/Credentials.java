package io.herald.auth;

import io.herald.cluster.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;

/**
 * How every entry point (transports, REST, push routes) reads and checks a token: one parser for
 * {@code Authorization: Bearer <jwt>} and one call to the node's {@link AuthVerticle}.
 */
public final class Credentials {
  private Credentials() {}

  /** The token of an {@code Authorization: Bearer <jwt>} header, or null when absent or blank. */
  public static String bearer(String header) {
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) && !header.substring(7).isBlank()) {
      return header.substring(7).trim();
    }
    return null;
  }

  /**
   * Verifies a token with this node's auth verticle. Fails with {@link AuthException} (message
   * safe for the client) when the token is refused, with another exception when verification is
   * unavailable.
   */
  public static Future<Principal> verify(Vertx vertx, String token) {
    return vertx.eventBus().<JsonObject>request(Addresses.AUTH_VERIFY, new JsonObject().put("token", token), Addresses.LOCAL)
        .map(msg -> Principal.fromJson(msg.body()))
        .recover(err -> Future.failedFuture(err instanceof ReplyException re && re.failureCode() == AuthVerticle.REFUSED
            ? new AuthException(re.getMessage())
            : err));
  }
}

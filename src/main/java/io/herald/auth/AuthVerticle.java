package io.herald.auth;

import io.herald.cluster.Addresses;
import io.herald.config.HeraldConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies tokens for this node's gateway and REST API at {@link Addresses#AUTH_VERIFY}. The
 * consumer is node-local: every node verifies with its own keys, and a connection never costs a
 * cluster-wide registration.
 *
 * <p>With a JWKS URL, the keys are fetched at start (no usable key: the node does not start), again
 * every {@code jwt.jwks-refresh-ms}, and once more, at most every {@code jwt.jwks-min-refetch-ms},
 * when a token names a {@code kid} the current keys lack (the issuer rotated). A refresh that fails
 * or yields no usable key keeps the previous keys.
 */
public final class AuthVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(AuthVerticle.class);
  /** Failure code of an {@link Addresses#AUTH_VERIFY} reply for a refused token. */
  public static final int REFUSED = 401;

  private final HeraldConfig config;
  private TokenVerifier verifier;
  /** The refresh in flight, shared by every caller that needs it (null when none). */
  private Future<TokenVerifier> refreshing;
  private long lastFetchNanos;

  public AuthVerticle(HeraldConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    return TokenVerifier.create(vertx, config).compose(v -> {
      verifier = v;
      lastFetchNanos = System.nanoTime();
      if (!config.jwksUrl.isEmpty()) {
        vertx.setPeriodic(config.jwksRefreshMs, id -> refresh());
      }
      return vertx.eventBus().<JsonObject>localConsumer(Addresses.AUTH_VERIFY, msg ->
          verify(msg.body().getString("token"))
              .onSuccess(p -> msg.reply(p.toJson()))
              .onFailure(err -> msg.fail(REFUSED, err instanceof AuthException ? err.getMessage() : "invalid token")))
          .completion();
    });
  }

  private Future<Principal> verify(String token) {
    TokenVerifier current = verifier;
    return current.verify(token).recover(err -> {
      if (!(err instanceof AuthException) || config.jwksUrl.isEmpty() || !current.hasUnknownKid(token)) {
        return Future.failedFuture(err);
      }
      boolean due = System.nanoTime() - lastFetchNanos >= config.jwksMinRefetchMs * 1_000_000L;
      if (refreshing == null && !due) {
        return Future.failedFuture(err);
      }
      return refresh().transform(ar -> verifier == current
          ? Future.failedFuture(err)
          : verifier.verify(token));
    });
  }

  /** Fetches the JWKS document again; on any failure the previous keys stay in use. */
  private Future<TokenVerifier> refresh() {
    if (refreshing != null) {
      return refreshing;
    }
    lastFetchNanos = System.nanoTime();
    refreshing = TokenVerifier.create(vertx, config)
        .onSuccess(fresh -> verifier = fresh)
        .onFailure(err -> log.warn("JWKS refresh from {} failed, keeping the previous keys: {}", config.jwksUrl, err.getMessage()))
        .andThen(ar -> refreshing = null);
    return refreshing;
  }
}

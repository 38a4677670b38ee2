package io.herald.auth;

import io.herald.cluster.Addresses;
import io.herald.config.HeraldConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

/**
 * Verifies tokens for this node's gateway and REST API at {@link Addresses#AUTH_VERIFY}. The
 * consumer is node-local: every node verifies with its own keys, and a connection never costs a
 * cluster-wide registration.
 */
public final class AuthVerticle extends VerticleBase {
  /** Failure code of an {@link Addresses#AUTH_VERIFY} reply for a refused token. */
  public static final int REFUSED = 401;

  private final HeraldConfig config;
  private TokenVerifier verifier;

  public AuthVerticle(HeraldConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    return TokenVerifier.create(vertx, config).compose(v -> {
      verifier = v;
      if (!config.jwksUrl.isEmpty()) {
        // Keys rotate: the JWKS document is fetched again periodically; a failed fetch keeps the old keys.
        vertx.setPeriodic(config.jwksRefreshMs, id -> TokenVerifier.create(vertx, config)
            .onSuccess(fresh -> verifier = fresh)
            .onFailure(err -> log.warn("JWKS refresh from {} failed, keeping the previous keys: {}", config.jwksUrl, err.toString())));
      }
      return vertx.eventBus().<JsonObject>localConsumer(Addresses.AUTH_VERIFY, msg ->
          verifier.verify(msg.body().getString("token"))
              .onSuccess(p -> msg.reply(p.toJson()))
              .onFailure(err -> msg.fail(REFUSED, err instanceof AuthException ? err.getMessage() : "invalid token")))
          .completion();
    });
  }

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AuthVerticle.class);
}

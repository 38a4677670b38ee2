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

  public AuthVerticle(HeraldConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    return TokenVerifier.create(vertx, config).compose(verifier ->
        vertx.eventBus().<JsonObject>localConsumer(Addresses.AUTH_VERIFY, msg ->
            verifier.verify(msg.body().getString("token"))
                .onSuccess(p -> msg.reply(p.toJson()))
                .onFailure(err -> msg.fail(REFUSED, err instanceof AuthException ? err.getMessage() : "invalid token")))
            .completion());
  }
}

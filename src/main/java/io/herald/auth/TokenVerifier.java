package io.herald.auth;

import io.herald.config.HeraldConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Verifies JWTs with vertx-auth-jwt against the configured keys: an HS256 secret, a PEM public key
 * (RS256/ES256) and/or a JWKS document. Signature, {@code alg}, {@code exp}, {@code nbf}, issuer and
 * audience are all checked; a token without the user claim is refused. Failures carry a reason
 * safe to show to the client.
 */
public final class TokenVerifier {
  private final HeraldConfig config;
  private final JWTAuth jwt;

  private TokenVerifier(HeraldConfig config, JWTAuth jwt) {
    this.config = config;
    this.jwt = jwt;
  }

  /**
   * Builds a verifier. Reading a PEM file and fetching a JWKS document happen here, so call it off
   * the event loop or accept that the returned future completes after that I/O.
   */
  public static Future<TokenVerifier> create(Vertx vertx, HeraldConfig config) {
    JWTAuthOptions options = new JWTAuthOptions();
    JWTOptions jwtOptions = new JWTOptions().setLeeway(config.jwtLeewaySeconds);
    if (!config.jwtIssuer.isEmpty()) {
      jwtOptions.setIssuer(config.jwtIssuer);
    }
    if (!config.jwtAudience.isEmpty()) {
      jwtOptions.setAudience(List.of(config.jwtAudience));
    }
    options.setJWTOptions(jwtOptions);
    if (!config.jwtSecret.isEmpty()) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(config.jwtSecret));
    }
    Future<Void> keys = Future.succeededFuture();
    if (!config.jwtPublicKey.isEmpty()) {
      keys = readPem(vertx, config.jwtPublicKey)
          .map(pem -> {
            options.addPubSecKey(new PubSecKeyOptions().setAlgorithm(config.jwtPublicKeyAlgorithm).setBuffer(pem));
            return null;
          });
    }
    if (!config.jwksUrl.isEmpty()) {
      keys = keys.compose(v -> fetchJwks(vertx, config.jwksUrl)).map(jwks -> {
        options.setJwks(jwks);
        return null;
      });
    }
    return keys.map(v -> new TokenVerifier(config, JWTAuth.create(vertx, options)));
  }

  /** Verifies {@code token}; fails with {@link AuthException} when it is refused. */
  public Future<Principal> verify(String token) {
    if (token == null || token.isBlank()) {
      return Future.failedFuture(new AuthException("missing token"));
    }
    return jwt.authenticate(new TokenCredentials(token))
        .recover(err -> Future.failedFuture(new AuthException("invalid token: " + reason(err))))
        .compose(user -> {
          // The decoded claims: user.principal() lacks exp, nbf and iat (vertx-auth-jwt moves them
          // to the attributes), so reading it would make every session immortal.
          JsonObject claims = user.attributes().getJsonObject("accessToken", user.principal());
          try {
            return Future.succeededFuture(toPrincipal(claims));
          } catch (AuthException e) {
            return Future.failedFuture(e);
          }
        });
  }

  private Principal toPrincipal(JsonObject claims) {
    long now = System.currentTimeMillis() / 1000;
    long leeway = config.jwtLeewaySeconds;
    Long exp = number(claims, "exp");
    Long nbf = number(claims, "nbf");
    if (exp != null && now > exp + leeway) {
      throw new AuthException("token expired");
    }
    if (nbf != null && now + leeway < nbf) {
      throw new AuthException("token not yet valid");
    }
    Object sub = claims.getValue(config.userClaim);
    if (!(sub instanceof String || sub instanceof Number) || sub.toString().isBlank()) {
      throw new AuthException("token has no '" + config.userClaim + "' claim");
    }
    return new Principal(sub.toString(), strings(claims.getValue(config.rolesClaim)),
        strings(claims.getValue(config.roomsClaim)), strings(claims.getValue(config.presenceClaim)), exp == null ? 0 : exp);
  }

  private static Long number(JsonObject claims, String name) {
    Object v = claims.getValue(name);
    if (v == null) {
      return null;
    }
    if (v instanceof Number n) {
      return n.longValue();
    }
    throw new AuthException("claim '" + name + "' is not a number");
  }

  /** A claim that is a list of strings, a single string, or a space/comma separated string. */
  private static List<String> strings(Object v) {
    List<String> out = new ArrayList<>();
    if (v instanceof JsonArray a) {
      a.forEach(o -> out.add(String.valueOf(o)));
    } else if (v instanceof String s) {
      for (String part : s.split("[ ,]+")) {
        if (!part.isEmpty()) {
          out.add(part);
        }
      }
    }
    return List.copyOf(out);
  }

  private static String reason(Throwable err) {
    String m = err.getMessage();
    return m == null ? err.getClass().getSimpleName() : m;
  }

  private static Future<String> readPem(Vertx vertx, String value) {
    if (value.contains("-----BEGIN")) {
      return Future.succeededFuture(value);
    }
    return vertx.executeBlocking(() -> Files.readString(Path.of(value)));
  }

  private static Future<List<JsonObject>> fetchJwks(Vertx vertx, String url) {
    HttpClient client = vertx.createHttpClient();
    return client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url))
        .compose(req -> req.send())
        .compose(resp -> {
          if (resp.statusCode() != 200) {
            return Future.failedFuture("JWKS " + url + " answered " + resp.statusCode());
          }
          return resp.body();
        })
        .map(body -> {
          List<JsonObject> keys = new ArrayList<>();
          body.toJsonObject().getJsonArray("keys", new JsonArray()).forEach(k -> keys.add((JsonObject) k));
          return keys;
        })
        .eventually(() -> client.close());
  }
}

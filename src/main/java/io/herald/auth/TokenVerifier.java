package io.herald.auth;

import io.herald.config.HeraldConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Verifies JWTs with vertx-auth-jwt against the configured keys: an HS256 secret, a PEM public key
 * (RS256/ES256) and/or a JWKS document. Signature, {@code alg}, {@code exp}, {@code nbf}, issuer and
 * audience are all checked; a token without the user claim is refused. Failures carry a reason
 * safe to show to the client.
 *
 * <p>A verifier never runs without a key: vertx-auth-jwt treats an empty key set as "unsecured
 * mode" and then accepts unsigned tokens, so {@link #create} fails when no key is usable, and
 * {@code alg: none} is refused here before vertx-auth-jwt sees the token, whatever the keys.
 */
public final class TokenVerifier {
  private final HeraldConfig config;
  private final JWTAuth jwt;
  /** The {@code kid}s of the JWKS keys in use (empty without a JWKS URL). */
  private final Set<String> kids;

  private TokenVerifier(HeraldConfig config, JWTAuth jwt, Set<String> kids) {
    this.config = config;
    this.jwt = jwt;
    this.kids = kids;
  }

  /**
   * Builds a verifier. Reading a PEM file and fetching a JWKS document happen here, so call it off
   * the event loop or accept that the returned future completes after that I/O. Fails when the
   * JWKS document cannot be fetched or holds no usable signing key.
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
    Set<String> kids = new HashSet<>();
    if (!config.jwksUrl.isEmpty()) {
      keys = keys.compose(v -> Jwks.fetch(vertx, config.jwksUrl, config.jwksTimeoutMs)).map(jwks -> {
        options.setJwks(jwks);
        jwks.forEach(k -> {
          if (k.getValue("kid") instanceof String kid) {
            kids.add(kid);
          }
        });
        return null;
      });
    }
    return keys.compose(v -> {
      if ((options.getPubSecKeys() == null || options.getPubSecKeys().isEmpty())
          && (options.getJwks() == null || options.getJwks().isEmpty())) {
        return Future.failedFuture(new IllegalStateException("no JWT signing key is configured"));
      }
      return Future.succeededFuture(new TokenVerifier(config, JWTAuth.create(vertx, options), Set.copyOf(kids)));
    });
  }

  /** Verifies {@code token}; fails with {@link AuthException} when it is refused. */
  public Future<Principal> verify(String token) {
    if (token == null || token.isBlank()) {
      return Future.failedFuture(new AuthException("missing token"));
    }
    JsonObject header = header(token);
    if (header == null) {
      return Future.failedFuture(new AuthException("invalid token: not a JWT"));
    }
    if (!(header.getValue("alg") instanceof String alg) || alg.isBlank() || alg.equalsIgnoreCase("none")) {
      return Future.failedFuture(new AuthException("invalid token: unsigned tokens (alg: none) are not accepted"));
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

  /**
   * True when the token names a {@code kid} that none of this verifier's JWKS keys has: the issuer
   * may have rotated to a key published after the last fetch.
   */
  public boolean hasUnknownKid(String token) {
    JsonObject header = header(token);
    return header != null && header.getValue("kid") instanceof String kid && !kids.contains(kid);
  }

  /** The decoded JOSE header of a compact JWT, or null when it is not one. */
  private static JsonObject header(String token) {
    int dot = token.indexOf('.');
    if (dot <= 0) {
      return null;
    }
    try {
      byte[] json = Base64.getUrlDecoder().decode(token.substring(0, dot));
      return new JsonObject(new String(json, StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      return null;
    }
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
    Principal p = new Principal(sub.toString(), strings(claims.getValue(config.rolesClaim)),
        strings(claims.getValue(config.roomsClaim)), strings(claims.getValue(config.presenceClaim)),
        strings(claims.getValue(config.messagingClaim)), exp == null ? 0 : exp);
    if (exp == null && config.jwtRequireExp && !p.hasAnyRole(config.serviceRoles)) {
      throw new AuthException("token has no 'exp' claim (jwt.require-exp)");
    }
    return p;
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
}

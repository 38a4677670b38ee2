package io.herald.test;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/** Mints test JWTs with the test secret (and hand-made bad ones). */
public final class Tokens {
  private static final Vertx VERTX = Vertx.vertx();
  private static final JWTAuth HS256 = JWTAuth.create(VERTX, new JWTAuthOptions()
      .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(TestNodes.SECRET)));

  private Tokens() {}

  /** A user token valid for an hour, granting the given room patterns. */
  public static String user(String sub, String... roomPatterns) {
    JsonObject claims = new JsonObject().put("sub", sub);
    if (roomPatterns.length > 0) {
      claims.put("rooms", new JsonArray(List.of(roomPatterns)));
    }
    return sign(claims, 3600);
  }

  /** A producer token with the service role. */
  public static String service() {
    return sign(new JsonObject().put("sub", "backend").put("roles", new JsonArray().add("service")), 3600);
  }

  /** Signs arbitrary claims; {@code ttlSeconds <= 0} leaves exp out. */
  public static String sign(JsonObject claims, int ttlSeconds) {
    JWTOptions options = new JWTOptions().setAlgorithm("HS256");
    if (ttlSeconds > 0) {
      options.setExpiresInSeconds(ttlSeconds);
    }
    return HS256.generateToken(claims, options);
  }

  /** Signs claims as given (exp/nbf included verbatim) with any HS256 secret. */
  public static String signRaw(JsonObject claims, String secret) {
    JWTAuth auth = JWTAuth.create(VERTX, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
    return auth.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setNoTimestamp(true));
  }

  /** An unsigned token ({@code alg: none}). */
  public static String unsigned(JsonObject claims) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    String payload = b64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    return header + "." + payload + ".";
  }

  public static long now() {
    return System.currentTimeMillis() / 1000;
  }
}

package io.herald;

import io.herald.config.ConfigException;
import io.herald.config.HeraldConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code herald token --sub alice [--roles service] [--rooms course:*] [--ttl 1h]}: prints an HS256
 * JWT signed with the configured (or development) secret, for curl, wscat and the README tour.
 */
final class TokenCommand {
  private TokenCommand() {}

  static int run(String[] args, Map<String, String> env) {
    String sub = null;
    List<String> roles = List.of();
    List<String> rooms = List.of();
    Duration ttl = Duration.ofHours(1);
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "--sub" -> sub = need(a, v);
        case "--roles" -> roles = List.of(need(a, v).split(","));
        case "--rooms" -> rooms = List.of(need(a, v).split(","));
        case "--ttl" -> ttl = checkTtl(parseTtl(need(a, v)));
        case "-h", "--help" -> {
          System.out.println("usage: scripts/token --sub USER [--roles r1,r2] [--rooms course:*,lobby:1] [--ttl 30m|1h|7d|0]");
          System.out.println("  --ttl 0 leaves exp out: Herald refuses such a token (jwt.require-exp) unless it has a service role,");
          System.out.println("  and then only on the REST API.");
          return 0;
        }
        default -> throw new ConfigException("unknown option " + a + " (try --help)");
      }
      i++;
    }
    if (sub == null) {
      throw new ConfigException("--sub USER is required");
    }
    HeraldConfig config = Herald.loadConfig(env);
    if (config.jwtSecret.isEmpty()) {
      throw new ConfigException("scripts/token signs with jwt.secret (HERALD_JWT_SECRET), and none is configured");
    }
    Vertx vertx = Vertx.vertx();
    try {
      JWTAuth jwt = JWTAuth.create(vertx, new JWTAuthOptions()
          .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(config.jwtSecret)));
      JsonObject claims = new JsonObject().put(config.userClaim, sub);
      if (!roles.isEmpty()) {
        claims.put(config.rolesClaim, new JsonArray(roles));
      }
      if (!rooms.isEmpty()) {
        claims.put(config.roomsClaim, new JsonArray(rooms));
      }
      JWTOptions options = new JWTOptions().setAlgorithm("HS256");
      if (!ttl.isZero()) {
        options.setExpiresInSeconds((int) ttl.toSeconds());
      }
      if (!config.jwtIssuer.isEmpty()) {
        options.setIssuer(config.jwtIssuer);
      }
      if (!config.jwtAudience.isEmpty()) {
        options.setAudience(List.of(config.jwtAudience));
      }
      System.out.println(jwt.generateToken(claims, options));
      return 0;
    } finally {
      vertx.close();
    }
  }

  private static String need(String option, String value) {
    if (value == null || value.startsWith("--")) {
      throw new ConfigException(option + " needs a value");
    }
    return value;
  }

  static Duration parseTtl(String s) {
    try {
      if (s.equals("0")) {
        return Duration.ZERO;
      }
      long n = Long.parseLong(s.substring(0, s.length() - 1));
      return switch (s.charAt(s.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        case 'd' -> Duration.ofDays(n);
        default -> throw new NumberFormatException();
      };
    } catch (RuntimeException e) {
      throw new ConfigException("--ttl must look like 30s, 15m, 1h, 7d or 0 (no expiry), got " + s);
    }
  }

  /** At most ten years: a JWT's expiry is a 32-bit number of seconds here. */
  static Duration checkTtl(Duration ttl) {
    if (ttl.isNegative() || ttl.compareTo(Duration.ofDays(3650)) > 0) {
      throw new ConfigException("--ttl must be between 0 and 3650d");
    }
    return ttl;
  }
}

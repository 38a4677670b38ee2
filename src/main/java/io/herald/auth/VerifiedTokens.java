package io.herald.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.function.Function;

/**
 * Service tokens this node verified, so a backend that publishes with the same token thousands of
 * times a second is verified once, not once per request (issue #15).
 *
 * <p>Only principals with a service role are kept (a user token is presented once per connection),
 * keyed by the SHA-256 of the token (the token itself is not kept), each until the token expires
 * and at most {@link #MAX_AGE_MS}, so keys the issuer withdrew stop being honoured within that time
 * even for a token without {@code exp}. At most {@link #MAX_ENTRIES} are kept. A refused token is
 * not kept: it is verified again each time.
 */
public final class VerifiedTokens {
  static final int MAX_ENTRIES = 10_000;
  static final long MAX_AGE_MS = 60_000;

  private record Entry(Principal principal, long untilMillis) {}

  private final List<String> serviceRoles;
  private final Cache<String, Entry> cache = Caffeine.newBuilder()
      .maximumSize(MAX_ENTRIES)
      .expireAfter(Expiry.creating((String key, Entry e) ->
          java.time.Duration.ofMillis(Math.max(0, e.untilMillis() - System.currentTimeMillis()))))
      .build();

  public VerifiedTokens(List<String> serviceRoles) {
    this.serviceRoles = List.copyOf(serviceRoles);
  }

  /** The cached principal of {@code token}, or {@code verify}'s answer (kept if it is a service's). */
  public Future<Principal> verify(String token, Function<String, Future<Principal>> verify) {
    String key = digest(token);
    Entry hit = cache.getIfPresent(key);
    long now = System.currentTimeMillis();
    if (hit != null && now < hit.untilMillis()) {
      return Future.succeededFuture(hit.principal());
    }
    return verify.apply(token).onSuccess(p -> {
      if (p.hasAnyRole(serviceRoles)) {
        long until = now + MAX_AGE_MS;
        if (p.expiresAt() > 0) {
          until = Math.min(until, p.expiresAt() * 1000);
        }
        if (until > now) {
          cache.put(key, new Entry(p, until));
        }
      }
    });
  }

  private static String digest(String token) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}

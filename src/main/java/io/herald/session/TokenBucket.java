package io.herald.session;

/**
 * Inbound rate limit of one connection: {@code perMinute} tokens, refilled continuously. Not
 * thread-safe: a session uses it on its own context.
 */
final class TokenBucket {
  private final double capacity;
  private final double refillPerNano;
  private double tokens;
  private long last;

  TokenBucket(int perMinute, long nowNanos) {
    this.capacity = perMinute;
    this.refillPerNano = perMinute / 60_000_000_000d;
    this.tokens = perMinute;
    this.last = nowNanos;
  }

  boolean tryTake(long nowNanos) {
    return tryTake(1, nowNanos);
  }

  /** Takes {@code n} tokens at once, or none when fewer are left. */
  boolean tryTake(int n, long nowNanos) {
    tokens = Math.min(capacity, tokens + (nowNanos - last) * refillPerNano);
    last = nowNanos;
    if (tokens >= n) {
      tokens -= n;
      return true;
    }
    return false;
  }
}

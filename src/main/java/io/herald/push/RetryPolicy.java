package io.herald.push;

import java.util.function.DoubleSupplier;

/**
 * When to try a push again: exponential backoff from {@code push.retry-base-ms} with "equal jitter"
 * (half the step fixed, half random, so retries of many devices do not arrive together), never
 * sooner than the service's {@code Retry-After}. No retry past {@code push.max-attempts} attempts
 * or past {@code push.retry-window-ms} after the first one.
 */
public final class RetryPolicy {
  private final int maxAttempts;
  private final long baseMs;
  private final long windowMs;
  private final DoubleSupplier random;

  public RetryPolicy(int maxAttempts, long baseMs, long windowMs, DoubleSupplier random) {
    this.maxAttempts = maxAttempts;
    this.baseMs = baseMs;
    this.windowMs = windowMs;
    this.random = random;
  }

  /**
   * The delay before attempt {@code failedAttempt + 1}, or -1 when there is none.
   *
   * @param failedAttempt the attempt that just failed, from 1
   * @param elapsedMs time since the first attempt started
   * @param retryAfterMs the service's Retry-After, -1 when absent
   */
  public long nextDelay(int failedAttempt, long elapsedMs, long retryAfterMs) {
    if (failedAttempt >= maxAttempts) {
      return -1;
    }
    long step = baseMs << Math.min(failedAttempt - 1, 30);
    step = Math.min(step, Math.max(windowMs, baseMs));
    long delay = step / 2 + (long) (random.getAsDouble() * (step - step / 2));
    delay = Math.max(delay, retryAfterMs);
    return elapsedMs + delay > windowMs ? -1 : delay;
  }

  /**
   * A {@code Retry-After} header in milliseconds (delay-seconds or an HTTP date), or -1 when it is
   * absent or unreadable.
   */
  public static long retryAfterMs(String header, long nowMs) {
    if (header == null || header.isBlank()) {
      return -1;
    }
    String v = header.trim();
    try {
      return Math.max(0, Long.parseLong(v)) * 1000;
    } catch (NumberFormatException e) {
      try {
        long at = java.time.ZonedDateTime.parse(v, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
            .toInstant().toEpochMilli();
        return Math.max(0, at - nowMs);
      } catch (java.time.format.DateTimeParseException e2) {
        return -1;
      }
    }
  }

  public int maxAttempts() {
    return maxAttempts;
  }
}

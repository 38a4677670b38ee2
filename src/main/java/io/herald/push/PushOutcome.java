package io.herald.push;

/**
 * How a push service answered one attempt.
 *
 * @param httpStatus the service's status, or null when no response came
 * @param retryAfterMs the service's {@code Retry-After} in milliseconds, or -1 when it gave none
 * @param detail a short reason for the log (an error code, a status line)
 */
public record PushOutcome(Kind kind, Integer httpStatus, long retryAfterMs, String detail) {
  public enum Kind {
    /** Accepted by the push service. */
    DELIVERED,
    /** Transient (429, 5xx, no response): worth another attempt later. */
    RETRY,
    /** The registration is dead (404, 410, FCM UNREGISTERED): delete it. */
    GONE,
    /** Refused for good (a bad request, a bad key): log it and keep the registration. */
    FAILED
  }

  public static PushOutcome delivered(int status) {
    return new PushOutcome(Kind.DELIVERED, status, -1, null);
  }

  public static PushOutcome retry(Integer status, long retryAfterMs, String detail) {
    return new PushOutcome(Kind.RETRY, status, retryAfterMs, detail);
  }

  public static PushOutcome gone(int status, String detail) {
    return new PushOutcome(Kind.GONE, status, -1, detail);
  }

  public static PushOutcome failed(Integer status, String detail) {
    return new PushOutcome(Kind.FAILED, status, -1, detail);
  }
}

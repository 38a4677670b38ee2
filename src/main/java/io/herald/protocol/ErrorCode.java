package io.herald.protocol;

/**
 * Stable error codes sent to clients in {@code error} frames and REST error bodies. Renaming one is
 * a breaking change: docs/protocol.md lists them. Each has the one HTTP status the REST API and the
 * event-bus bridge's {@code failureCode} use for it.
 */
public enum ErrorCode {
  BAD_REQUEST(400),
  UNAUTHORIZED(401),
  FORBIDDEN(403),
  NOT_FOUND(404),
  UNKNOWN_EVENT(400),
  PAYLOAD_TOO_LARGE(413),
  RATE_LIMITED(429),
  TOO_MANY_ROOMS(429),
  TOO_MANY_CONNECTIONS(429),
  TOO_MANY_SUBSCRIPTIONS(429),
  UNAVAILABLE(503),
  STORE_UNAVAILABLE(503),
  INTERNAL(500);

  private final int httpStatus;

  ErrorCode(int httpStatus) {
    this.httpStatus = httpStatus;
  }

  /** The HTTP status that goes with this code (REST answers, bridge {@code failureCode}s). */
  public int httpStatus() {
    return httpStatus;
  }
}

package io.herald.protocol;

/**
 * Stable error codes sent to clients in {@code error} frames and REST error bodies. Renaming one is
 * a breaking change: docs/protocol.md lists them.
 */
public enum ErrorCode {
  BAD_REQUEST,
  UNAUTHORIZED,
  FORBIDDEN,
  NOT_FOUND,
  UNKNOWN_EVENT,
  PAYLOAD_TOO_LARGE,
  RATE_LIMITED,
  TOO_MANY_ROOMS,
  TOO_MANY_CONNECTIONS,
  TOO_MANY_SUBSCRIPTIONS,
  UNAVAILABLE,
  STORE_UNAVAILABLE,
  INTERNAL
}

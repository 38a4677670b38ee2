package io.herald.protocol;

/** WebSocket close codes Herald uses (docs/protocol.md). */
public final class CloseCodes {
  private CloseCodes() {}

  /** The client does not read: its outbound queue is full (RFC 6455 policy violation). */
  public static final short SLOW_CONSUMER = 1008;
  /** The node is shutting down: reconnect (RFC 6455 service restart). */
  public static final short SERVICE_RESTART = 1012;
  /** The node is at its connection limit: try later (RFC 6455 try again later). */
  public static final short TRY_AGAIN_LATER = 1013;
  /** The user already has the maximum number of connections in the cluster. */
  public static final short TOO_MANY_CONNECTIONS = 4429;
  /** Missing, invalid or expired token. */
  public static final short UNAUTHORIZED = 4401;
}

package io.herald.metrics;

import io.herald.protocol.CloseCodes;

/** The reason tag of {@code herald_disconnects_total}, from the close code Herald closed with. */
public final class DisconnectReasons {
  /** The client or the network closed the connection (Herald did not). */
  public static final String PEER = "peer";

  private DisconnectReasons() {}

  public static String of(short code) {
    return switch (code) {
      case 1000 -> "normal";
      case 1001 -> "idle";
      case CloseCodes.SLOW_CONSUMER -> "slow_consumer";
      case CloseCodes.SERVICE_RESTART -> "shutdown";
      case CloseCodes.TRY_AGAIN_LATER -> "try_again_later";
      case CloseCodes.UNAUTHORIZED -> "unauthorized";
      case CloseCodes.TOO_MANY_CONNECTIONS -> "too_many_connections";
      default -> "other";
    };
  }
}

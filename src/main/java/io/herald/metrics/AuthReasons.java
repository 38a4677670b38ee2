package io.herald.metrics;

/**
 * The reason tag of {@code herald_auth_failures_total}: a refusal's message (written for the
 * client) reduced to one of a few fixed words, so a token's contents never become a label.
 */
public final class AuthReasons {
  private AuthReasons() {}

  public static String of(String message) {
    if (message == null) {
      return "other";
    }
    String m = message.toLowerCase(java.util.Locale.ROOT);
    if (m.contains("expired")) {
      return "expired";
    }
    if (m.contains("missing") || m.contains("no token") || m.contains("has no token")) {
      return "missing_token";
    }
    if (m.contains("within")) {
      return "timeout";
    }
    if (m.contains("first frame") || m.contains("auth frame") || m.contains("too many frames")) {
      return "protocol";
    }
    if (m.contains("claim") || m.contains("not yet valid")) {
      return "claims";
    }
    if (m.contains("role")) {
      return "forbidden";
    }
    if (m.contains("invalid") || m.contains("signature") || m.contains("unsigned")) {
      return "invalid_token";
    }
    return "other";
  }
}

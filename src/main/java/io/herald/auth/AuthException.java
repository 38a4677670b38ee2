package io.herald.auth;

/** A refused token; the message is safe to show to the client. */
public final class AuthException extends RuntimeException {
  public AuthException(String message) {
    super(message, null, false, false);
  }
}

package io.herald.store;

/** The store refused a write for a reason the caller must not retry (a block between two users): answered FORBIDDEN. */
public final class RefusedException extends RuntimeException {
  public RefusedException(String message) {
    super(message, null, false, false);
  }
}

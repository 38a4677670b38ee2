package io.herald.store;

/**
 * The database could not be reached or did not answer within {@code pg.timeout-ms}: the caller
 * answers 503 STORE_UNAVAILABLE and may retry. For a write the outcome is unknown when the failure
 * was a timeout (the statement may still commit); for a refused connection nothing was written.
 */
public final class StoreUnavailableException extends RuntimeException {
  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}

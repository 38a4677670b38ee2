package io.herald.logging;

import org.slf4j.MDC;

/**
 * The MDC keys Herald's log lines carry where a line concerns one session or request: set around
 * the logging call (Vert.x runs many sessions on one thread, so nothing is left in the MDC
 * afterwards). Never a token: ids only.
 */
public final class Mdc implements AutoCloseable {
  public static final String SESSION_ID = "sessionId";
  public static final String USER_ID = "userId";
  public static final String REQUEST_ID = "requestId";

  private final String[] keys;

  private Mdc(String[] keys) {
    this.keys = keys;
  }

  /** A session's ids for the lines logged inside the try block; a null user is left out. */
  public static Mdc session(String sessionId, String userId) {
    MDC.put(SESSION_ID, sessionId);
    if (userId == null) {
      return new Mdc(new String[] {SESSION_ID});
    }
    MDC.put(USER_ID, userId);
    return new Mdc(new String[] {SESSION_ID, USER_ID});
  }

  /** A REST request's id for the lines logged inside the try block. */
  public static Mdc request(String requestId) {
    if (requestId == null) {
      return new Mdc(new String[0]);
    }
    MDC.put(REQUEST_ID, requestId);
    return new Mdc(new String[] {REQUEST_ID});
  }

  @Override
  public void close() {
    for (String k : keys) {
      MDC.remove(k);
    }
  }
}

package io.herald.gateway.transport;

import io.herald.auth.Credentials;
import io.herald.protocol.CloseCodes;
import io.herald.protocol.ErrorCode;
import io.herald.session.SessionHub;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;

/**
 * What every transport decides before a session exists, in one place: where the token and the
 * resume cursor come from, and whether this node takes the connection at all. A transport renders
 * the verdict in its own framing (an HTTP 503, an error frame and a close, a CONNECT_ERROR) but
 * never decides it, words it or picks its codes itself.
 */
public final class Admission {
  private Admission() {}

  /** Whether this node takes a new connection now. */
  public enum Verdict {
    ADMIT(null, (short) 0),
    /** The node is shutting down: reconnect now, a load balancer picks another node. */
    DRAINING("this node is shutting down; reconnect", CloseCodes.SERVICE_RESTART),
    /** The node holds {@code limits.max-connections-per-node}: try again (another node may take it). */
    FULL("this node is at its connection limit; try again", CloseCodes.TRY_AGAIN_LATER);

    private final String message;
    private final short closeCode;

    Verdict(String message, short closeCode) {
      this.message = message;
      this.closeCode = closeCode;
    }

    public boolean admitted() {
      return this == ADMIT;
    }

    /** The error code a refusal carries (its HTTP status: 503). */
    public ErrorCode code() {
      return ErrorCode.UNAVAILABLE;
    }

    public String message() {
      return message;
    }

    /** The close code a connection refused after its upgrade is closed with. */
    public short closeCode() {
      return closeCode;
    }

    /** The close reason that goes with {@link #closeCode()}. */
    public String closeReason() {
      return this == DRAINING ? "server shutting down" : "node full";
    }
  }

  /** The verdict for a new connection on this node. */
  public static Verdict verdict(SessionHub hub) {
    if (hub.state().draining()) {
      return Verdict.DRAINING;
    }
    return hub.full() ? Verdict.FULL : Verdict.ADMIT;
  }

  /**
   * The token of an upgrade or stream request: {@code Authorization: Bearer <jwt>}, else the
   * {@code token} query parameter; null when neither (the client may still send an auth frame).
   */
  public static String token(MultiMap headers, QueryParams query) {
    String token = Credentials.bearer(headers.get(HttpHeaders.AUTHORIZATION));
    if (token == null) {
      token = query.first("token");
    }
    return token == null || token.isBlank() ? null : token.trim();
  }

  /**
   * The token of a first frame's headers (the event-bus bridge): {@code Authorization: Bearer
   * <jwt>} (either case) or {@code token}; null when none.
   */
  public static String token(JsonObject headers) {
    if (headers == null) {
      return null;
    }
    Object header = headers.getValue("Authorization", headers.getValue("authorization"));
    String bearer = header instanceof String b ? Credentials.bearer(b) : null;
    if (bearer != null) {
      return bearer;
    }
    return headers.getValue("token") instanceof String t && !t.isBlank() ? t.trim() : null;
  }

  /**
   * The token a Socket.IO client sent: its CONNECT packet's {@code auth.token}, else its handshake's
   * header or query token; "" when none (the session refuses it).
   */
  public static String token(Object connectAuth, String handshakeToken) {
    if (connectAuth instanceof JsonObject auth && auth.getValue("token") instanceof String t && !t.isBlank()) {
      return t;
    }
    return handshakeToken != null ? handshakeToken : "";
  }

  /**
   * Where a reconnecting client resumes: {@code lastNotificationId} in the query, or for SSE the
   * browser's {@code Last-Event-ID} header (or {@code lastEventId} in the query). Null when none;
   * the session checks the value.
   */
  public static String resumeCursor(MultiMap headers, QueryParams query) {
    String cursor = headers.get("Last-Event-ID");
    if (cursor == null || cursor.isBlank()) {
      cursor = query.first("lastEventId");
    }
    if (cursor == null || cursor.isBlank()) {
      cursor = query.first("lastNotificationId");
    }
    return cursor == null || cursor.isBlank() ? null : cursor;
  }
}

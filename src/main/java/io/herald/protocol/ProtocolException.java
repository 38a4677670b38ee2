package io.herald.protocol;

/** A client request Herald refuses; becomes an {@code error} frame with the request's id. */
public final class ProtocolException extends RuntimeException {
  private final ErrorCode code;
  private final transient Object id;

  public ProtocolException(ErrorCode code, String message, Object id) {
    super(message, null, false, false);
    this.code = code;
    this.id = id;
  }

  public ProtocolException(ErrorCode code, String message) {
    this(code, message, null);
  }

  public ErrorCode code() {
    return code;
  }

  public Object id() {
    return id;
  }
}

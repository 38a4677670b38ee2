package io.herald.session;

import io.herald.protocol.ServerFrame;

/**
 * What a session needs from a connection: write a frame, close it. A transport adapter frames
 * and authenticates, then hands a Transport to a {@link Session}; it holds no business logic.
 * Methods are called on the session's context.
 */
public interface Transport {
  /**
   * Queues one frame in the transport's wire format (encoded once per format, shared by a fan-out).
   * Returns false, writing nothing, when the outbound queue is full.
   */
  boolean write(ServerFrame frame);

  /** Closes the connection with a close code and reason; a no-op when already closed. */
  void close(short code, String reason);

  /** For logs and stats: "websocket", "sockjs", ... */
  String kind();

  /**
   * The session's catch-up failed: stored items may be missing before the live ones that follow. A
   * transport whose client advances its resume cursor by itself (SSE's {@code Last-Event-ID}) must
   * stop advancing it, so that the next connection still asks from the old cursor.
   */
  default void replayFailed() {}

  /**
   * Keep-alive, called on the session's event loop by the gateway's sweep (several times per
   * shortest heartbeat interval) while the session is open: a transport sends its heartbeat when
   * one is due and closes a peer that stopped answering. {@code now} is epoch milliseconds.
   */
  default void keepAlive(long now) {}

  /** Bytes written to this connection that the network has not taken yet (for metrics; read from any thread). */
  default long queuedBytes() {
    return 0;
  }

  /** The Socket.IO namespace this connection belongs to, or null for other transports. */
  default String namespace() {
    return null;
  }
}

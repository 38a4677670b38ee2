package io.herald.protocol;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * A frame's text in one wire format, its size in UTF-8 bytes (what the outbound budget counts), and
 * on demand its bytes as a {@link Buffer}: a transport that writes bytes (SSE) encodes a shared
 * frame once for all its sockets. Vert.x writes a slice of a buffer's content, so one buffer may be
 * written to many connections, from any thread. Immutable once built.
 */
public final class Encoded {
  private final String text;
  private final int bytes;
  private volatile Buffer buffer;

  public Encoded(String text, int bytes) {
    this.text = text;
    this.bytes = bytes;
  }

  public static Encoded of(String text) {
    return new Encoded(text, Utf8.length(text));
  }

  public String text() {
    return text;
  }

  public int bytes() {
    return bytes;
  }

  /** The UTF-8 bytes, made at the first call and shared by every later one. */
  public Buffer buffer() {
    Buffer b = buffer;
    if (b == null) {
      b = Buffer.buffer(text.getBytes(StandardCharsets.UTF_8));
      buffer = b;
    }
    return b;
  }

  @Override
  public String toString() {
    return text;
  }
}

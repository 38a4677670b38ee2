package io.herald.protocol;

/** A frame's text in one wire format and its size in UTF-8 bytes (what the outbound budget counts). */
public record Encoded(String text, int bytes) {
  public static Encoded of(String text) {
    return new Encoded(text, Utf8.length(text));
  }
}

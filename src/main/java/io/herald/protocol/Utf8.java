package io.herald.protocol;

/** UTF-8 sizes, the unit of every byte limit Herald applies (frame size, outbound queue, stored batch). */
public final class Utf8 {
  private Utf8() {}

  /** The UTF-8 size of {@code s}, without encoding it. */
  public static int length(String s) {
    int n = s.length();
    int bytes = n;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        if (c < 0x800) {
          bytes += 1;
        } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          bytes += 2; // four bytes for the pair's two chars
          i++;
        } else {
          bytes += 2;
        }
      }
    }
    return bytes;
  }
}

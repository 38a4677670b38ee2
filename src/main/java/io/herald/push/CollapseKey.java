package io.herald.push;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * A notification's collapse key (a direct message's conversation) as the push services take it:
 * Web Push's {@code Topic} header allows at most 32 characters of the URL-safe base64 alphabet
 * (RFC 8030 5.4), so the key is hashed (SHA-256) and cut to that; FCM and APNs get the same token.
 */
public final class CollapseKey {
  private CollapseKey() {}

  public static String topic(String key) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(hash).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }
}

package io.herald.push;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;

/** Compact JWS signing for the two tokens Herald makes itself: the FCM OAuth assertion and VAPID. */
public final class Jwts {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private Jwts() {}

  /**
   * {@code header.claims.signature}. {@code jcaAlgorithm} is {@code SHA256withRSA} (RS256) or
   * {@code SHA256withECDSAinP1363Format} (ES256, whose JWS signature is r||s, not DER).
   */
  public static String sign(JsonObject header, JsonObject claims, PrivateKey key, String jcaAlgorithm)
      throws GeneralSecurityException {
    String signingInput = base64Url(header.encode().getBytes(StandardCharsets.UTF_8)) + "."
        + base64Url(claims.encode().getBytes(StandardCharsets.UTF_8));
    Signature s = Signature.getInstance(jcaAlgorithm);
    s.initSign(key);
    s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + base64Url(s.sign());
  }

  public static String base64Url(byte[] bytes) {
    return B64.encodeToString(bytes);
  }

  /** Decodes base64url with or without padding; throws IllegalArgumentException. */
  public static byte[] fromBase64Url(String s) {
    return Base64.getUrlDecoder().decode(s.replace("=", ""));
  }
}

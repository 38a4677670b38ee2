package io.herald.push.webpush;

import com.google.crypto.tink.subtle.EllipticCurves;
import com.google.crypto.tink.subtle.EllipticCurves.CurveType;
import com.google.crypto.tink.subtle.EllipticCurves.PointFormatType;
import io.herald.push.Jwts;
import io.vertx.core.json.JsonObject;
import java.security.GeneralSecurityException;

/**
 * A browser's PushSubscription ({@code subscription.toJSON()}): {@code {endpoint, keys: {p256dh,
 * auth}}}, checked so that every stored subscription can be encrypted to.
 */
public record Subscription(String endpoint, String p256dh, String auth) {
  public static final int MAX_ENDPOINT_LENGTH = 2048;

  /** Reads and checks a PushSubscription; throws IllegalArgumentException naming the field. */
  public static Subscription fromJson(JsonObject json) {
    Object endpoint = json.getValue("endpoint");
    if (!(endpoint instanceof String e) || e.isBlank() || e.length() > MAX_ENDPOINT_LENGTH) {
      throw new IllegalArgumentException("endpoint is required and must be a URL of at most " + MAX_ENDPOINT_LENGTH
          + " characters");
    }
    Object keys = json.getValue("keys");
    if (!(keys instanceof JsonObject k)) {
      throw new IllegalArgumentException("keys is required and must be an object {p256dh, auth}");
    }
    String p256dh = key(k, "p256dh");
    String auth = key(k, "auth");
    try {
      EllipticCurves.getEcPublicKey(CurveType.NIST_P256, PointFormatType.UNCOMPRESSED, Jwts.fromBase64Url(p256dh));
    } catch (GeneralSecurityException | IllegalArgumentException ex) {
      throw new IllegalArgumentException("keys.p256dh must be base64url of an uncompressed P-256 point");
    }
    byte[] secret;
    try {
      secret = Jwts.fromBase64Url(auth);
    } catch (IllegalArgumentException ex) {
      secret = new byte[0];
    }
    if (secret.length != 16) {
      throw new IllegalArgumentException("keys.auth must be base64url of 16 bytes");
    }
    return new Subscription(e, p256dh, auth);
  }

  private static String key(JsonObject keys, String name) {
    Object v = keys.getValue(name);
    if (!(v instanceof String s) || s.isBlank() || s.length() > 256) {
      throw new IllegalArgumentException("keys." + name + " is required and must be a base64url string");
    }
    return s;
  }
}

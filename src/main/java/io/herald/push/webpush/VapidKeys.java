package io.herald.push.webpush;

import com.google.crypto.tink.subtle.EllipticCurves;
import com.google.crypto.tink.subtle.EllipticCurves.CurveType;
import com.google.crypto.tink.subtle.EllipticCurves.PointFormatType;
import io.herald.push.Jwts;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;

/**
 * The server's VAPID key pair (RFC 8292): it signs the ES256 JWT that identifies Herald to a push
 * service, and its public half is what browsers pass as {@code applicationServerKey}.
 */
public final class VapidKeys {
  static final String ES256 = "SHA256withECDSAinP1363Format";

  private final String publicKeyBase64Url;
  private final ECPublicKey publicKey;
  private final ECPrivateKey privateKey;

  private VapidKeys(String publicKeyBase64Url, ECPublicKey publicKey, ECPrivateKey privateKey) {
    this.publicKeyBase64Url = publicKeyBase64Url;
    this.publicKey = publicKey;
    this.privateKey = privateKey;
  }

  /**
   * Reads the pair (base64url: the 65-byte uncompressed point, the 32-byte scalar) and checks that
   * the halves belong together, so a mismatch fails at start-up, not at every push.
   */
  public static VapidKeys parse(String publicKeyBase64Url, String privateKeyBase64Url) throws GeneralSecurityException {
    byte[] pub = Jwts.fromBase64Url(publicKeyBase64Url);
    ECPublicKey publicKey = EllipticCurves.getEcPublicKey(CurveType.NIST_P256, PointFormatType.UNCOMPRESSED, pub);
    ECPrivateKey privateKey = EllipticCurves.getEcPrivateKey(CurveType.NIST_P256, Jwts.fromBase64Url(privateKeyBase64Url));
    byte[] probe = "herald-vapid-probe".getBytes(StandardCharsets.US_ASCII);
    Signature signer = Signature.getInstance(ES256);
    signer.initSign(privateKey);
    signer.update(probe);
    Signature verifier = Signature.getInstance(ES256);
    verifier.initVerify(publicKey);
    verifier.update(probe);
    if (!verifier.verify(signer.sign())) {
      throw new GeneralSecurityException("vapid.public-key is not the public half of vapid.private-key");
    }
    return new VapidKeys(Jwts.base64Url(pub), publicKey, privateKey);
  }

  /** A new pair: {public, private}, base64url without padding (scripts/vapid-keys). */
  public static String[] generate() throws GeneralSecurityException {
    KeyPair pair = EllipticCurves.generateKeyPair(CurveType.NIST_P256);
    ECPublicKey pub = (ECPublicKey) pair.getPublic();
    byte[] point = EllipticCurves.pointEncode(CurveType.NIST_P256, PointFormatType.UNCOMPRESSED, pub.getW());
    byte[] scalar = fixedLength(((ECPrivateKey) pair.getPrivate()).getS(), 32);
    return new String[] {Jwts.base64Url(point), Jwts.base64Url(scalar)};
  }

  /** The public key as browsers want it (base64url, no padding). */
  public String publicKeyBase64Url() {
    return publicKeyBase64Url;
  }

  public ECPublicKey publicKey() {
    return publicKey;
  }

  /**
   * {@code vapid t=<jwt>, k=<public key>}: the JWT names the endpoint's origin as {@code aud}, expires
   * at {@code expEpochSeconds} (at most 24 h ahead, RFC 8292) and carries the contact as {@code sub}.
   */
  public String authorization(String audience, String subject, long expEpochSeconds) throws GeneralSecurityException {
    JsonObject header = new JsonObject().put("typ", "JWT").put("alg", "ES256");
    JsonObject claims = new JsonObject().put("aud", audience).put("exp", expEpochSeconds).put("sub", subject);
    return "vapid t=" + Jwts.sign(header, claims, privateKey, ES256) + ", k=" + publicKeyBase64Url;
  }

  private static byte[] fixedLength(BigInteger n, int length) {
    byte[] raw = n.toByteArray();
    byte[] out = new byte[length];
    int copy = Math.min(raw.length, length);
    System.arraycopy(raw, raw.length - copy, out, length - copy, copy);
    return out;
  }
}

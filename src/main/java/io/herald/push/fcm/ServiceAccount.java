package io.herald.push.fcm;

import io.herald.push.Jwts;
import io.vertx.core.json.JsonObject;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * A Google service account (the JSON file Firebase hands out): who Herald is to FCM, and the key
 * that signs the OAuth2 JWT-bearer assertion exchanged for access tokens at {@code token_uri}.
 */
public record ServiceAccount(String projectId, String clientEmail, String privateKeyId, PrivateKey privateKey,
                             String tokenUri) {
  static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
  static final String DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token";
  /** Lifetime of one assertion (Google accepts at most an hour). */
  static final long ASSERTION_LIFETIME_S = 3600;

  /** Reads the file's JSON; throws IllegalArgumentException naming what is missing or wrong. */
  public static ServiceAccount parse(JsonObject json) {
    String projectId = required(json, "project_id");
    String clientEmail = required(json, "client_email");
    String pem = required(json, "private_key");
    String tokenUri = json.getString("token_uri", DEFAULT_TOKEN_URI);
    try {
      String base64 = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "")
          .replaceAll("\\s", "");
      PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
      return new ServiceAccount(projectId, clientEmail, json.getString("private_key_id"), key, tokenUri);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("private_key is not a PEM PKCS#8 RSA key: " + e.getMessage());
    }
  }

  /** The signed RS256 assertion: iss = the account, aud = token_uri, scope = FCM, valid one hour. */
  public String assertion(long nowEpochSeconds) throws GeneralSecurityException {
    JsonObject header = new JsonObject().put("alg", "RS256").put("typ", "JWT");
    if (privateKeyId != null) {
      header.put("kid", privateKeyId);
    }
    JsonObject claims = new JsonObject()
        .put("iss", clientEmail)
        .put("scope", SCOPE)
        .put("aud", tokenUri)
        .put("iat", nowEpochSeconds)
        .put("exp", nowEpochSeconds + ASSERTION_LIFETIME_S);
    return Jwts.sign(header, claims, privateKey, "SHA256withRSA");
  }

  private static String required(JsonObject json, String field) {
    Object v = json.getValue(field);
    if (!(v instanceof String s) || s.isBlank()) {
      throw new IllegalArgumentException("the service-account JSON has no " + field);
    }
    return s;
  }
}

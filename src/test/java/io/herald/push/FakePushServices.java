package io.herald.push;

import com.google.crypto.tink.apps.webpush.WebPushHybridDecrypt;
import com.google.crypto.tink.subtle.EllipticCurves;
import com.google.crypto.tink.subtle.EllipticCurves.CurveType;
import com.google.crypto.tink.subtle.EllipticCurves.PointFormatType;
import io.herald.push.webpush.VapidKeys;
import io.herald.test.Await;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Local stand-ins for Google's OAuth token endpoint, FCM HTTP v1 and a browser push service, on
 * 127.0.0.1. They check what the real ones check (the assertion's RS256 signature and audience, the
 * bearer token, the FCM message shape, the VAPID JWT against the configured key) and the Web Push
 * service decrypts each payload with the subscription's private key, as the browser would. A
 * request that breaks a rule is answered 400 and recorded in {@link #problems()}.
 *
 * <p>Answers are scripted per FCM token or subscription: a queue of statuses, then 200/201.
 */
final class FakePushServices implements AutoCloseable {
  static final String PROJECT = "test-project";
  static final String CLIENT_EMAIL = "herald@test-project.iam.gserviceaccount.com";
  static final String SUBJECT = "mailto:ops@herald.test";

  /** A message FCM accepted or refused, as received. */
  record FcmCall(String token, JsonObject message, int answered, long atMs) {}

  /** A Web Push request, with its decrypted payload. */
  record WebPushCall(String subscription, JsonObject payload, String urgency, String ttl, int answered, long atMs, String topic) {}

  /** What a browser keeps for one subscription: the key pair and auth secret it generated. */
  record BrowserSubscription(String id, String endpoint, byte[] publicKey, ECPrivateKey privateKey, byte[] auth) {
    JsonObject toJson() {
      Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
      return new JsonObject().put("endpoint", endpoint).put("expirationTime", (Object) null)
          .put("keys", new JsonObject().put("p256dh", b64.encodeToString(publicKey)).put("auth", b64.encodeToString(auth)));
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final KeyPair serviceAccountKey;
  private final String vapidPublicKey;
  private final String vapidPrivateKey;
  private final HttpServer server;
  private final Path credentials;
  private final Set<String> issuedTokens = ConcurrentHashMap.newKeySet();
  private final AtomicInteger tokenRequests = new AtomicInteger();
  private final Map<String, Deque<Integer>> scripts = new ConcurrentHashMap<>();
  private final Map<String, BrowserSubscription> subscriptions = new ConcurrentHashMap<>();
  private final List<FcmCall> fcmCalls = new CopyOnWriteArrayList<>();
  private final List<WebPushCall> webPushCalls = new CopyOnWriteArrayList<>();
  private final List<String> problems = new CopyOnWriteArrayList<>();

  FakePushServices() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    serviceAccountKey = rsa.generateKeyPair();
    String[] vapid = VapidKeys.generate();
    vapidPublicKey = vapid[0];
    vapidPrivateKey = vapid[1];
    server = Await.result(vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1"));
    credentials = Files.createTempFile("herald-fcm-", ".json");
    String pem = "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(serviceAccountKey.getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
    Files.writeString(credentials, new JsonObject()
        .put("type", "service_account")
        .put("project_id", PROJECT)
        .put("private_key_id", "key-1")
        .put("private_key", pem)
        .put("client_email", CLIENT_EMAIL)
        .put("token_uri", tokenUri())
        .encodePrettily());
  }

  /** Node config turning both channels on against these services. */
  Map<String, Object> nodeConfig() {
    return Map.of(
        "fcm.credentials", credentials.toString(),
        "fcm.endpoint", origin(),
        "vapid.public-key", vapidPublicKey,
        "vapid.private-key", vapidPrivateKey,
        "vapid.subject", SUBJECT,
        "webpush.allowed-origins", List.of("https://fcm.googleapis.com", origin()),
        "push.retry-base-ms", 10);
  }

  String origin() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  String tokenUri() {
    return origin() + "/oauth2/token";
  }

  String vapidPublicKey() {
    return vapidPublicKey;
  }

  /** Statuses the next requests for this FCM token or subscription get, in order; then success. */
  void script(String tokenOrSubscription, Integer... statuses) {
    scripts.put(tokenOrSubscription, new ArrayDeque<>(List.of(statuses)));
  }

  /** A new subscription, its keys generated as a browser does. */
  BrowserSubscription subscribe(String id) throws Exception {
    KeyPair pair = EllipticCurves.generateKeyPair(CurveType.NIST_P256);
    byte[] point = EllipticCurves.pointEncode(CurveType.NIST_P256, PointFormatType.UNCOMPRESSED,
        ((ECPublicKey) pair.getPublic()).getW());
    byte[] auth = new byte[16];
    new SecureRandom().nextBytes(auth);
    BrowserSubscription s = new BrowserSubscription(id, origin() + "/push/" + id, point, (ECPrivateKey) pair.getPrivate(), auth);
    subscriptions.put(id, s);
    return s;
  }

  /** The FCM requests for this token so far. */
  List<FcmCall> fcm(String token) {
    return fcmCalls.stream().filter(c -> c.token().equals(token)).toList();
  }

  /** The Web Push requests for this subscription so far. */
  List<WebPushCall> webPush(String subscription) {
    return webPushCalls.stream().filter(c -> c.subscription().equals(subscription)).toList();
  }

  /** Waits (at most 10 s) until this token has had {@code n} requests; returns them all. */
  List<FcmCall> awaitFcm(String token, int n) {
    return await(() -> fcm(token), n, "FCM requests for " + token);
  }

  List<WebPushCall> awaitWebPush(String subscription, int n) {
    return await(() -> webPush(subscription), n, "Web Push requests for " + subscription);
  }

  private static <T> List<T> await(java.util.function.Supplier<List<T>> calls, int n, String what) {
    long deadline = System.currentTimeMillis() + 10_000;
    List<T> now = calls.get();
    while (now.size() < n && System.currentTimeMillis() < deadline) {
      Await.result(io.herald.test.TestSocket.vertx().timer(20));
      now = calls.get();
    }
    if (now.size() < n) {
      throw new AssertionError("expected " + n + " " + what + " within 10 s, got " + now.size());
    }
    return now;
  }

  int tokenRequests() {
    return tokenRequests.get();
  }

  List<String> problems() {
    return problems;
  }

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(body -> {
      String path = req.path();
      if (path.equals("/oauth2/token")) {
        token(req, body);
      } else if (path.equals("/v1/projects/" + PROJECT + "/messages:send")) {
        fcm(req, body);
      } else if (path.startsWith("/push/")) {
        webPush(req, path.substring("/push/".length()), body);
      } else {
        refuse(req, 404, "unknown path " + path);
      }
    });
  }

  private void token(HttpServerRequest req, Buffer body) {
    tokenRequests.incrementAndGet();
    Map<String, String> form = new java.util.HashMap<>();
    for (String pair : body.toString().split("&")) {
      String[] kv = pair.split("=", 2);
      form.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
    }
    if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(form.get("grant_type"))) {
      refuse(req, 400, "token: grant_type " + form.get("grant_type"));
      return;
    }
    try {
      JsonObject claims = verifyJwt(form.get("assertion"), "SHA256withRSA", serviceAccountKey.getPublic(), "RS256");
      long now = System.currentTimeMillis() / 1000;
      if (!CLIENT_EMAIL.equals(claims.getString("iss")) || !tokenUri().equals(claims.getString("aud"))
          || !"https://www.googleapis.com/auth/firebase.messaging".equals(claims.getString("scope"))
          || claims.getLong("exp") <= now || claims.getLong("exp") - claims.getLong("iat") > 3600) {
        refuse(req, 400, "token: bad assertion claims " + claims.encode());
        return;
      }
    } catch (Exception e) {
      refuse(req, 400, "token: assertion not verified: " + e);
      return;
    }
    String access = "ya29.fake-" + tokenRequests.get();
    issuedTokens.add(access);
    json(req, 200, new JsonObject().put("access_token", access).put("expires_in", 3599).put("token_type", "Bearer"));
  }

  private void fcm(HttpServerRequest req, Buffer body) {
    String auth = req.getHeader("Authorization");
    if (auth == null || !auth.startsWith("Bearer ") || !issuedTokens.contains(auth.substring(7))) {
      json(req, 401, fcmError(401, "UNAUTHENTICATED", null));
      return;
    }
    JsonObject message;
    try {
      message = body.toJsonObject().getJsonObject("message");
      String token = message.getString("token");
      JsonObject notification = message.getJsonObject("notification");
      JsonObject data = message.getJsonObject("data");
      if (token == null || notification.getString("title") == null || notification.getString("body") == null
          || data.getString("id") == null) {
        throw new IllegalArgumentException("missing token, title, body or data.id");
      }
      data.forEach(e -> {
        if (!(e.getValue() instanceof String)) {
          throw new IllegalArgumentException("data." + e.getKey() + " is not a string");
        }
      });
    } catch (RuntimeException e) {
      refuse(req, 400, "fcm: bad message " + body + ": " + e);
      return;
    }
    String token = message.getString("token");
    int status = nextStatus(token, 200);
    fcmCalls.add(new FcmCall(token, message, status, System.currentTimeMillis()));
    switch (status) {
      case 200 -> json(req, 200, new JsonObject().put("name", "projects/" + PROJECT + "/messages/" + System.nanoTime()));
      case 429 -> {
        req.response().putHeader("Retry-After", "1");
        json(req, 429, fcmError(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"));
      }
      case 404 -> json(req, 404, fcmError(404, "NOT_FOUND", "UNREGISTERED"));
      case 400 -> json(req, 400, fcmError(400, "INVALID_ARGUMENT", null));
      default -> json(req, status, fcmError(status, "INTERNAL", "INTERNAL"));
    }
  }

  private static JsonObject fcmError(int code, String status, String errorCode) {
    JsonArray details = new JsonArray();
    if (errorCode != null) {
      details.add(new JsonObject().put("@type", "type.googleapis.com/google.firebase.fcm.v1.FcmError").put("errorCode", errorCode));
    }
    return new JsonObject().put("error", new JsonObject().put("code", code).put("message", status.toLowerCase())
        .put("status", status).put("details", details));
  }

  private void webPush(HttpServerRequest req, String id, Buffer body) {
    BrowserSubscription s = subscriptions.get(id);
    if (s == null) {
      refuse(req, 404, "webpush: unknown subscription " + id);
      return;
    }
    JsonObject payload;
    try {
      String auth = req.getHeader("Authorization");
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("vapid t=([^,\\s]+),\\s*k=(\\S+)").matcher(auth == null ? "" : auth);
      if (!m.matches()) {
        throw new IllegalArgumentException("Authorization is not 'vapid t=..., k=...': " + auth);
      }
      if (!m.group(2).equals(vapidPublicKey)) {
        throw new IllegalArgumentException("k is not the configured VAPID public key");
      }
      ECPublicKey key = EllipticCurves.getEcPublicKey(CurveType.NIST_P256, PointFormatType.UNCOMPRESSED,
          Base64.getUrlDecoder().decode(m.group(2)));
      JsonObject claims = verifyJwt(m.group(1), "SHA256withECDSAinP1363Format", key, "ES256");
      long now = System.currentTimeMillis() / 1000;
      if (!origin().equals(claims.getString("aud")) || !SUBJECT.equals(claims.getString("sub"))
          || claims.getLong("exp") <= now || claims.getLong("exp") > now + 24 * 3600) {
        throw new IllegalArgumentException("bad VAPID claims " + claims.encode());
      }
      if (!"aes128gcm".equals(req.getHeader("Content-Encoding")) || req.getHeader("TTL") == null
          || !List.of("very-low", "low", "normal", "high").contains(req.getHeader("Urgency"))) {
        throw new IllegalArgumentException("headers: " + req.headers());
      }
      byte[] plain = new WebPushHybridDecrypt.Builder()
          .withAuthSecret(s.auth())
          .withRecipientPublicKey(s.publicKey())
          .withRecipientPrivateKey(s.privateKey())
          .build()
          .decrypt(body.getBytes(), null);
      payload = new JsonObject(new String(plain, StandardCharsets.UTF_8));
    } catch (Exception e) {
      refuse(req, 400, "webpush: " + e);
      return;
    }
    int status = nextStatus(id, 201);
    webPushCalls.add(new WebPushCall(id, payload, req.getHeader("Urgency"), req.getHeader("TTL"), status, System.currentTimeMillis(),
        req.getHeader("Topic")));
    if (status == 429) {
      req.response().putHeader("Retry-After", "1");
    }
    req.response().setStatusCode(status).end();
  }

  private static JsonObject verifyJwt(String jwt, String jca, java.security.PublicKey key, String alg) throws Exception {
    String[] parts = jwt.split("\\.");
    if (parts.length != 3) {
      throw new IllegalArgumentException("not a compact JWS");
    }
    Base64.Decoder d = Base64.getUrlDecoder();
    JsonObject header = new JsonObject(new String(d.decode(parts[0]), StandardCharsets.UTF_8));
    if (!alg.equals(header.getString("alg"))) {
      throw new IllegalArgumentException("alg " + header.getString("alg"));
    }
    Signature v = Signature.getInstance(jca);
    v.initVerify(key);
    v.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
    if (!v.verify(d.decode(parts[2]))) {
      throw new IllegalArgumentException("signature does not verify");
    }
    return new JsonObject(new String(d.decode(parts[1]), StandardCharsets.UTF_8));
  }

  private int nextStatus(String key, int success) {
    Deque<Integer> q = scripts.get(key);
    Integer next = q == null ? null : q.poll();
    return next == null ? success : next;
  }

  private void refuse(HttpServerRequest req, int status, String problem) {
    problems.add(problem);
    json(req, status, new JsonObject().put("error", problem));
  }

  private static void json(HttpServerRequest req, int status, JsonObject body) {
    req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }

  @Override
  public void close() throws Exception {
    Await.result(vertx.close());
    Files.deleteIfExists(credentials);
  }

}

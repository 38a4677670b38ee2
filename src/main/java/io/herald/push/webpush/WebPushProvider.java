package io.herald.push.webpush;

import com.google.crypto.tink.apps.webpush.WebPushHybridEncrypt;
import io.herald.config.HeraldConfig;
import io.herald.push.Device;
import io.herald.push.Jwts;
import io.herald.push.OriginAllowlist;
import io.herald.push.PushOutcome;
import io.herald.push.PushProvider;
import io.herald.push.RetryPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.Map;

/**
 * Web Push (RFC 8030) to browsers: the payload is the notification JSON ({@code id, type, title,
 * message, data}) encrypted for the subscription (RFC 8291, aes128gcm, via Tink), sent with a VAPID
 * {@code Authorization} (RFC 8292), a {@code TTL} and an {@code Urgency}.
 *
 * <p>A payload must fit one 4096-byte record: when the JSON is larger, {@code data} is left out
 * (and {@code truncated: true} added), then {@code message} is shortened; the service worker can
 * fetch the full notification by its id.
 */
public final class WebPushProvider implements PushProvider {
  /** Largest plaintext in one aes128gcm record of 4096 bytes (86 header + 16 tag + 1 delimiter). */
  static final int MAX_PLAINTEXT = 4096 - 103;
  /** A VAPID JWT lives this long (RFC 8292 allows at most 24 h) and is reused until 1 h before. */
  private static final long JWT_LIFETIME_S = 12 * 3600;
  private static final long JWT_RENEW_BEFORE_S = 3600;

  private record CachedJwt(String authorization, long expEpochSeconds) {}

  private final Vertx vertx;
  private final WebClient client;
  private final VapidKeys keys;
  private final String subject;
  private final int ttlSeconds;
  private final int timeoutMs;
  private final Map<String, CachedJwt> jwtByOrigin = new HashMap<>();

  public WebPushProvider(Vertx vertx, WebClient client, VapidKeys keys, HeraldConfig config) {
    this.vertx = vertx;
    this.client = client;
    this.keys = keys;
    this.subject = config.vapidSubject;
    this.ttlSeconds = config.webPushTtlSeconds;
    this.timeoutMs = config.pushRequestTimeoutMs;
  }

  @Override
  public String channel() {
    return Device.WEBPUSH;
  }

  @Override
  public String describe() {
    return "Web Push on (VAPID key " + keys.publicKeyBase64Url().substring(0, 12) + "...)";
  }

  @Override
  public Future<PushOutcome> send(Device device, JsonObject notification, boolean highPriority) {
    String authorization;
    try {
      authorization = authorization(device.address());
    } catch (GeneralSecurityException | RuntimeException e) {
      return Future.succeededFuture(PushOutcome.failed(null, "cannot sign VAPID JWT: " + e.getMessage()));
    }
    byte[] plaintext = payload(notification);
    String collapseKey = notification.getString("collapseKey");
    // ECDH and HKDF per message: a worker thread, not the event loop.
    return vertx.executeBlocking(() -> encrypt(device, plaintext), false)
        .compose(body -> withTopic(client.postAbs(device.address()), collapseKey)
            .timeout(timeoutMs)
            .putHeader("Authorization", authorization)
            .putHeader("Content-Encoding", "aes128gcm")
            .putHeader("Content-Type", "application/octet-stream")
            .putHeader("TTL", Integer.toString(ttlSeconds))
            .putHeader("Urgency", highPriority ? "high" : "normal")
            .sendBuffer(Buffer.buffer(body))
            .map(WebPushProvider::classify)
            .otherwise(err -> PushOutcome.retry(null, -1, "no response: " + err.getMessage())),
            err -> Future.succeededFuture(PushOutcome.failed(null, "cannot encrypt for this subscription: " + err.getMessage())));
  }

  /** A collapse key becomes the Topic header: the push service keeps only the newest message per topic. */
  private static io.vertx.ext.web.client.HttpRequest<Buffer> withTopic(io.vertx.ext.web.client.HttpRequest<Buffer> request,
      String collapseKey) {
    return collapseKey == null ? request : request.putHeader("Topic", io.herald.push.CollapseKey.topic(collapseKey));
  }

  private static byte[] encrypt(Device device, byte[] plaintext) throws GeneralSecurityException {
    return new WebPushHybridEncrypt.Builder()
        .withAuthSecret(Jwts.fromBase64Url(device.auth()))
        .withRecipientPublicKey(Jwts.fromBase64Url(device.p256dh()))
        .build()
        .encrypt(plaintext, null);
  }

  static PushOutcome classify(HttpResponse<Buffer> resp) {
    int status = resp.statusCode();
    if (status >= 200 && status < 300) {
      return PushOutcome.delivered(status);
    }
    String detail = status + " " + resp.statusMessage();
    if (status == 404 || status == 410) {
      return PushOutcome.gone(status, detail);
    }
    if (status == 429 || status >= 500) {
      return PushOutcome.retry(status, RetryPolicy.retryAfterMs(resp.getHeader("Retry-After"), System.currentTimeMillis()), detail);
    }
    return PushOutcome.failed(status, detail);
  }

  private String authorization(String endpoint) throws GeneralSecurityException {
    String origin = OriginAllowlist.origin(endpoint);
    if (origin == null) {
      throw new GeneralSecurityException("endpoint is not an http(s) URL");
    }
    long now = System.currentTimeMillis() / 1000;
    CachedJwt cached = jwtByOrigin.get(origin);
    if (cached == null || cached.expEpochSeconds - now < JWT_RENEW_BEFORE_S) {
      long exp = now + JWT_LIFETIME_S;
      cached = new CachedJwt(keys.authorization(origin, subject, exp), exp);
      jwtByOrigin.put(origin, cached);
    }
    return cached.authorization;
  }

  /** The notification JSON the service worker receives, made to fit one record. */
  public static byte[] payload(JsonObject n) {
    JsonObject p = new JsonObject()
        .put("id", n.getValue("id"))
        .put("type", n.getValue("type"))
        .put("title", n.getValue("title"))
        .put("message", n.getValue("message"))
        .put("data", n.getValue("data"));
    byte[] bytes = p.encode().getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= MAX_PLAINTEXT) {
      return bytes;
    }
    p.remove("data");
    p.put("truncated", true);
    bytes = p.encode().getBytes(StandardCharsets.UTF_8);
    String message = p.getString("message", "");
    String title = p.getString("title", "");
    while (bytes.length > MAX_PLAINTEXT && (!message.isEmpty() || !title.isEmpty())) {
      if (!message.isEmpty()) {
        message = message.substring(0, message.length() / 2);
      } else {
        title = title.substring(0, title.length() / 2);
      }
      bytes = p.put("message", message).put("title", title).encode().getBytes(StandardCharsets.UTF_8);
    }
    return bytes;
  }
}

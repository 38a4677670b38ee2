package io.herald.push.fcm;

import io.herald.config.HeraldConfig;
import io.herald.push.Device;
import io.herald.push.PushOutcome;
import io.herald.push.PushProvider;
import io.herald.push.RetryPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

/**
 * Firebase Cloud Messaging, HTTP v1 API: {@code POST {fcm.endpoint}/v1/projects/{project}/messages:send}
 * with an OAuth2 bearer token from the service account. The message carries a {@code notification}
 * ({@code title}, {@code body}) for the system tray and a {@code data} map of strings: {@code id},
 * {@code type}, and the notification's {@code data} as JSON text.
 */
public final class FcmProvider implements PushProvider {
  private final WebClient client;
  private final ServiceAccount account;
  private final AccessTokens tokens;
  private final String sendUrl;
  private final int timeoutMs;

  FcmProvider(WebClient client, ServiceAccount account, String endpoint, int timeoutMs) {
    this.client = client;
    this.account = account;
    this.tokens = new AccessTokens(client, account, timeoutMs);
    this.sendUrl = endpoint + "/v1/projects/" + account.projectId() + "/messages:send";
    this.timeoutMs = timeoutMs;
  }

  /** Reads {@code fcm.credentials} (without blocking); fails naming the file when it is unusable. */
  public static Future<FcmProvider> create(Vertx vertx, WebClient client, HeraldConfig config) {
    String path = config.fcmCredentials;
    return vertx.fileSystem().readFile(path)
        .recover(err -> Future.failedFuture(new IllegalStateException(
            "fcm.credentials (HERALD_FCM_CREDENTIALS): cannot read " + path + ": " + err.getMessage())))
        .map(buf -> {
          try {
            return new FcmProvider(client, ServiceAccount.parse(buf.toJsonObject()), config.fcmEndpoint,
                config.pushRequestTimeoutMs);
          } catch (RuntimeException e) {
            throw new IllegalStateException("fcm.credentials (HERALD_FCM_CREDENTIALS): " + path + ": " + e.getMessage());
          }
        });
  }

  @Override
  public String channel() {
    return Device.FCM;
  }

  @Override
  public String describe() {
    return "FCM on (project " + account.projectId() + ")";
  }

  @Override
  public Future<PushOutcome> send(Device device, JsonObject notification, boolean highPriority) {
    JsonObject body = new JsonObject().put("message", message(device.address(), notification, highPriority));
    return tokens.get()
        .compose(token -> client.postAbs(sendUrl)
            .timeout(timeoutMs)
            .bearerTokenAuthentication(token)
            .sendJsonObject(body)
            .map(this::classify)
            .otherwise(err -> PushOutcome.retry(null, -1, "no response: " + err.getMessage())))
        .otherwise(err -> err instanceof AccessTokens.TokenException te && !te.transientFailure()
            ? PushOutcome.failed(te.status, te.getMessage())
            : PushOutcome.retry(err instanceof AccessTokens.TokenException te ? te.status : null, -1, err.getMessage()));
  }

  static JsonObject message(String token, JsonObject n, boolean highPriority) {
    JsonObject data = new JsonObject().put("id", String.valueOf(n.getValue("id")));
    if (n.getString("type") != null) {
      data.put("type", n.getString("type"));
    }
    if (n.getValue("data") != null) {
      data.put("data", io.vertx.core.json.Json.encode(n.getValue("data")));
    }
    JsonObject message = new JsonObject()
        .put("token", token)
        .put("notification", new JsonObject()
            .put("title", n.getString("title", ""))
            .put("body", n.getString("message", "")))
        .put("data", data);
    JsonObject android = new JsonObject();
    JsonObject apnsHeaders = new JsonObject();
    if (highPriority) {
      android.put("priority", "high");
      apnsHeaders.put("apns-priority", "10");
    }
    String collapseKey = n.getString("collapseKey");
    if (collapseKey != null) {
      String topic = io.herald.push.CollapseKey.topic(collapseKey);
      android.put("collapse_key", topic);
      apnsHeaders.put("apns-collapse-id", topic);
      message.put("webpush", new JsonObject().put("headers", new JsonObject().put("Topic", topic)));
    }
    if (!android.isEmpty()) {
      message.put("android", android);
    }
    if (!apnsHeaders.isEmpty()) {
      message.put("apns", new JsonObject().put("headers", apnsHeaders));
    }
    return message;
  }

  private PushOutcome classify(HttpResponse<Buffer> resp) {
    int status = resp.statusCode();
    if (status == 200) {
      return PushOutcome.delivered(status);
    }
    String errorCode = errorCode(resp);
    String detail = status + " " + errorCode;
    if ("UNREGISTERED".equals(errorCode) || status == 404 || status == 410) {
      return PushOutcome.gone(status, detail);
    }
    if (status == 401) {
      tokens.invalidate(); // the next attempt exchanges a new token
      return PushOutcome.retry(status, -1, detail);
    }
    if (status == 429 || status >= 500) {
      return PushOutcome.retry(status, RetryPolicy.retryAfterMs(resp.getHeader("Retry-After"), System.currentTimeMillis()), detail);
    }
    return PushOutcome.failed(status, detail);
  }

  /**
   * FCM's most specific error code: the FcmError detail's {@code errorCode} (UNREGISTERED,
   * QUOTA_EXCEEDED, ...), else the error's {@code status} (INVALID_ARGUMENT, ...).
   */
  static String errorCode(HttpResponse<Buffer> resp) {
    try {
      JsonObject error = resp.bodyAsJsonObject().getJsonObject("error");
      JsonArray details = error.getJsonArray("details", new JsonArray());
      for (Object d : details) {
        if (d instanceof JsonObject detail && detail.getString("errorCode") != null) {
          return detail.getString("errorCode");
        }
      }
      return error.getString("status", "UNKNOWN");
    } catch (RuntimeException e) {
      return "UNKNOWN";
    }
  }
}

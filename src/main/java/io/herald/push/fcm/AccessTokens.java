package io.herald.push.fcm;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

/**
 * OAuth2 access tokens for FCM: a signed assertion is exchanged at the account's {@code token_uri}
 * and the token is reused until a minute before it expires. Concurrent callers share one exchange.
 * Not thread-safe: used from the push verticle's context only.
 */
final class AccessTokens {
  /** A token this close to its expiry is renewed rather than used. */
  private static final long RENEW_BEFORE_MS = 60_000;

  /** The token endpoint refused or failed; {@code status} null when it did not answer. */
  static final class TokenException extends RuntimeException {
    final Integer status;

    TokenException(Integer status, String message) {
      super(message, null, false, false);
      this.status = status;
    }

    boolean transientFailure() {
      return status == null || status == 429 || status >= 500;
    }
  }

  private final WebClient client;
  private final ServiceAccount account;
  private final int timeoutMs;
  private String token;
  private long expiresAtMs;
  private Future<String> inFlight;

  AccessTokens(WebClient client, ServiceAccount account, int timeoutMs) {
    this.client = client;
    this.account = account;
    this.timeoutMs = timeoutMs;
  }

  Future<String> get() {
    long now = System.currentTimeMillis();
    if (token != null && now < expiresAtMs - RENEW_BEFORE_MS) {
      return Future.succeededFuture(token);
    }
    if (inFlight == null) {
      Promise<String> p = Promise.promise();
      inFlight = p.future();
      exchange(now).onComplete(ar -> {
        inFlight = null;
        p.handle(ar);
      });
    }
    return inFlight;
  }

  /** Forgets the cached token (FCM answered 401 with it). */
  void invalidate() {
    token = null;
  }

  private Future<String> exchange(long now) {
    String assertion;
    try {
      assertion = account.assertion(now / 1000);
    } catch (Exception e) {
      return Future.failedFuture(new TokenException(0, "cannot sign the OAuth assertion: " + e.getMessage()));
    }
    MultiMap form = MultiMap.caseInsensitiveMultiMap()
        .add("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")
        .add("assertion", assertion);
    return client.postAbs(account.tokenUri()).timeout(timeoutMs).sendForm(form)
        .recover(err -> Future.failedFuture(new TokenException(null, "token endpoint unreachable: " + err.getMessage())))
        .compose(resp -> accept(resp, now));
  }

  private Future<String> accept(HttpResponse<Buffer> resp, long now) {
    if (resp.statusCode() != 200) {
      return Future.failedFuture(new TokenException(resp.statusCode(),
          "token endpoint answered " + resp.statusCode() + ": " + abbreviate(resp.bodyAsString())));
    }
    try {
      JsonObject json = resp.bodyAsJsonObject();
      String access = json.getString("access_token");
      if (access == null || access.isBlank()) {
        throw new IllegalArgumentException("no access_token");
      }
      token = access;
      expiresAtMs = now + json.getLong("expires_in", 3600L) * 1000;
      return Future.succeededFuture(access);
    } catch (RuntimeException e) {
      return Future.failedFuture(new TokenException(resp.statusCode(), "token endpoint answer unreadable: " + e.getMessage()));
    }
  }

  static String abbreviate(String s) {
    if (s == null) {
      return "";
    }
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }
}

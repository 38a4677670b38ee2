package io.herald.auth;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.impl.jose.JWK;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Fetches a JWKS document and keeps only its usable signing keys. A fetch that yields none fails
 * with a message naming the URL and what the document held: a verifier built from an empty key set
 * would accept unsigned tokens (vertx-auth-jwt's "unsecured mode"), so an empty or foreign document
 * (an OIDC discovery document, an error page served as JSON) must never replace real keys.
 */
final class Jwks {
  /** A JWKS document larger than this is refused (real ones are a few KB). */
  static final int MAX_BYTES = 1024 * 1024;

  private Jwks() {}

  /** The usable keys of the document at {@code url}, fetched within {@code timeoutMs}. */
  static Future<List<JsonObject>> fetch(Vertx vertx, String url, int timeoutMs) {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions()
        .setConnectTimeout(timeoutMs)
        .setIdleTimeout(timeoutMs)
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS));
    // Completes on the caller's context (the auth verticle's), whatever thread the client finishes on.
    Promise<Buffer> body = ((io.vertx.core.internal.ContextInternal) vertx.getOrCreateContext()).promise();
    long timer = vertx.setTimer(timeoutMs, t -> body.tryFail("JWKS " + url + " did not answer within " + timeoutMs + " ms"));
    client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url))
        .compose(req -> req.send())
        .compose(resp -> {
          if (resp.statusCode() != 200) {
            return Future.failedFuture("JWKS " + url + " answered " + resp.statusCode());
          }
          return resp.body();
        })
        .onComplete(ar -> {
          vertx.cancelTimer(timer);
          if (ar.succeeded()) {
            body.tryComplete(ar.result());
          } else {
            body.tryFail(ar.cause());
          }
        });
    return body.future()
        .andThen(ar -> client.close())
        .compose(b -> {
          try {
            return Future.succeededFuture(usableKeys(url, b));
          } catch (IllegalStateException e) {
            return Future.failedFuture(e);
          }
        });
  }

  /** The signing keys vertx-auth-jwt can use; throws naming what was found when there is none. */
  static List<JsonObject> usableKeys(String url, Buffer body) {
    if (body.length() > MAX_BYTES) {
      throw new IllegalStateException("JWKS " + url + " is larger than " + MAX_BYTES + " bytes");
    }
    Object doc;
    try {
      doc = body.toJsonValue();
    } catch (RuntimeException e) {
      throw new IllegalStateException("JWKS " + url + " is not JSON");
    }
    if (!(doc instanceof JsonObject o) || !(o.getValue("keys") instanceof JsonArray keys)) {
      String found = doc instanceof JsonObject o ? "a JSON object with the fields " + o.fieldNames() : "no JSON object";
      throw new IllegalStateException("JWKS " + url + " has no usable signing key: found " + found
          + ", not {\"keys\":[...]} (is it a discovery document? use its jwks_uri)");
    }
    List<JsonObject> usable = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    for (Object k : keys) {
      String why = unusable(k);
      if (why == null) {
        usable.add((JsonObject) k);
      } else {
        refused.add(why);
      }
    }
    if (usable.isEmpty()) {
      throw new IllegalStateException("JWKS " + url + " has no usable signing key: found "
          + (keys.isEmpty() ? "an empty key list" : keys.size() + " key(s), none usable " + refused));
    }
    return usable;
  }

  /** Why a JWK cannot verify Herald's tokens, or null when it can. */
  private static String unusable(Object key) {
    if (!(key instanceof JsonObject k)) {
      return "not an object";
    }
    String name = k.getValue("kid") instanceof String kid ? "'" + kid + "'" : "without kid";
    if ("enc".equals(k.getValue("use"))) {
      return name + ": an encryption key (use: enc)";
    }
    if ("oct".equals(k.getValue("kty"))) {
      return name + ": a symmetric key (kty: oct) is a shared secret, never taken from a URL";
    }
    try {
      new JWK(k);
      return null;
    } catch (RuntimeException e) {
      return name + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }
  }
}

package io.herald.api;

import io.herald.cluster.Addresses;
import io.herald.config.HeraldConfig;
import io.herald.protocol.ErrorBody;
import io.herald.protocol.ErrorCode;
import io.herald.push.Device;
import io.herald.push.OriginAllowlist;
import io.herald.push.webpush.Subscription;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;

/**
 * A user's push registrations (docs/push.md), with any valid token, each call scoped to the token's
 * user:
 *
 * <pre>
 *   POST   /notifications/device-token          {token, platform?}   FCM registration token
 *   DELETE /notifications/device-token          {token} | no body    one, or all of the caller's
 *   POST   /notifications/webpush-subscription  PushSubscription JSON
 *   DELETE /notifications/webpush-subscription  {endpoint}           404 when not the caller's
 *   GET    /notifications/vapid-public-key      (no token)           {publicKey}
 * </pre>
 *
 * The first four are also served under {@code /api}. Mount before {@link ApiRoutes}, whose
 * {@code /api/*} handlers would otherwise read the body first.
 */
public final class PushRoutes {
  /** FCM registration tokens are ~160 characters today; this leaves room without being unbounded. */
  static final int MAX_TOKEN_LENGTH = 4096;
  static final List<String> PLATFORMS = List.of("fcm", "android", "ios", "web");
  private static final String DEVICE_TOKEN = "/notifications/device-token";
  private static final String WEBPUSH_SUBSCRIPTION = "/notifications/webpush-subscription";

  private final Vertx vertx;
  private final HeraldConfig config;
  private final OriginAllowlist allowlist;

  public PushRoutes(Vertx vertx, HeraldConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.allowlist = new OriginAllowlist(config.webPushAllowedOrigins);
  }

  public void mount(Router router) {
    router.get("/notifications/vapid-public-key").handler(this::vapidPublicKey);
    for (String prefix : List.of("", "/api")) {
      for (String path : List.of(prefix + DEVICE_TOKEN, prefix + WEBPUSH_SUBSCRIPTION)) {
        router.route(path).handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes));
        router.route(path).handler(new BearerAuth(vertx));
      }
      router.post(prefix + DEVICE_TOKEN).handler(this::registerToken);
      router.delete(prefix + DEVICE_TOKEN).handler(this::unregisterToken);
      router.post(prefix + WEBPUSH_SUBSCRIPTION).handler(this::registerSubscription);
      router.delete(prefix + WEBPUSH_SUBSCRIPTION).handler(this::removeSubscription);
    }
  }

  private void vapidPublicKey(RoutingContext ctx) {
    if (config.vapidPublicKey.isEmpty()) {
      ErrorBody.send(ctx.response(), ErrorCode.NOT_FOUND, "Web Push is not configured on this server");
      return;
    }
    ok(ctx, new JsonObject().put("publicKey", config.vapidPublicKey.replace("=", "")));
  }

  private void registerToken(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx);
    if (body == null) {
      return;
    }
    Object token = body.getValue("token");
    if (!(token instanceof String t) || t.isBlank() || t.length() > MAX_TOKEN_LENGTH || !t.strip().equals(t)) {
      ErrorBody.send(ctx.response(), ErrorCode.BAD_REQUEST, "token is required and must be an FCM registration token "
          + "(a string of at most " + MAX_TOKEN_LENGTH + " characters)");
      return;
    }
    Object platform = body.getValue("platform", "fcm");
    if (!(platform instanceof String p) || !PLATFORMS.contains(p)) {
      ErrorBody.send(ctx.response(), ErrorCode.BAD_REQUEST, "platform must be one of " + PLATFORMS);
      return;
    }
    JsonObject request = new JsonObject().put("userId", user(ctx)).put("channel", Device.FCM).put("address", t)
        .put("platform", p);
    call(ctx, Addresses.PUSH_REGISTER, request)
        .onSuccess(reply -> ok(ctx, new JsonObject().put("message", "Device token registered successfully")));
  }

  private void unregisterToken(RoutingContext ctx) {
    JsonObject request = new JsonObject().put("userId", user(ctx)).put("channel", Device.FCM);
    if (ctx.body().length() > 0) {
      JsonObject body = jsonBody(ctx);
      if (body == null) {
        return;
      }
      if (!(body.getValue("token") instanceof String t) || t.isBlank()) {
        ErrorBody.send(ctx.response(), ErrorCode.BAD_REQUEST,
            "token must be a string; send no body to remove all of your device tokens");
        return;
      }
      request.put("address", t);
    }
    call(ctx, Addresses.PUSH_UNREGISTER, request)
        .onSuccess(reply -> ok(ctx, new JsonObject().put("message", "Device token unregistered successfully")));
  }

  private void registerSubscription(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx);
    if (body == null) {
      return;
    }
    Subscription s;
    try {
      s = Subscription.fromJson(body);
    } catch (IllegalArgumentException e) {
      ErrorBody.send(ctx.response(), ErrorCode.BAD_REQUEST, e.getMessage());
      return;
    }
    if (!allowlist.allows(s.endpoint())) {
      ErrorBody.send(ctx.response(), ErrorCode.BAD_REQUEST, "endpoint is not on a push service this server accepts ("
          + String.join(", ", config.webPushAllowedOrigins) + ")");
      return;
    }
    JsonObject request = new JsonObject().put("userId", user(ctx)).put("channel", Device.WEBPUSH)
        .put("address", s.endpoint()).put("p256dh", s.p256dh()).put("auth", s.auth());
    call(ctx, Addresses.PUSH_REGISTER, request)
        .onSuccess(reply -> ok(ctx, new JsonObject().put("message", "Subscription registered successfully")));
  }

  private void removeSubscription(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx);
    if (body == null) {
      return;
    }
    if (!(body.getValue("endpoint") instanceof String endpoint) || endpoint.isBlank()) {
      ErrorBody.send(ctx.response(), ErrorCode.BAD_REQUEST, "endpoint is required and must be a string");
      return;
    }
    JsonObject request = new JsonObject().put("userId", user(ctx)).put("channel", Device.WEBPUSH).put("address", endpoint);
    call(ctx, Addresses.PUSH_UNREGISTER, request).onSuccess(reply -> {
      if (reply.getInteger("removed", 0) == 0) {
        ErrorBody.send(ctx.response(), ErrorCode.NOT_FOUND, "you have no subscription with this endpoint");
      } else {
        ok(ctx, new JsonObject().put("message", "Subscription removed"));
      }
    });
  }

  /** The request's JSON object, or null after answering 400. */
  private static JsonObject jsonBody(RoutingContext ctx) {
    try {
      Object parsed = ctx.body().length() == 0 ? null : ctx.body().buffer().toJsonValue();
      if (parsed instanceof JsonObject o) {
        return o;
      }
    } catch (DecodeException e) {
      ErrorBody.send(ctx.response(), ErrorCode.BAD_REQUEST, "body is not valid JSON");
      return null;
    }
    ErrorBody.send(ctx.response(), ErrorCode.BAD_REQUEST, "body must be a JSON object");
    return null;
  }

  /** Asks the push verticle; answers 503 itself when it fails, so callers handle success only. */
  private Future<JsonObject> call(RoutingContext ctx, String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body, io.herald.cluster.Addresses.LOCAL)
        .map(Message::body)
        .onFailure(err -> {
          if (err instanceof ReplyException re && re.failureCode() == 400) {
            ErrorBody.send(ctx.response(), ErrorCode.BAD_REQUEST, re.getMessage());
          } else {
            ErrorBody.send(ctx.response(), ErrorCode.UNAVAILABLE, "push registrations unavailable; retry later");
          }
        });
  }

  /** The same bearer-token check as {@link ApiRoutes}: any valid token, which names the user. */


  private static String user(RoutingContext ctx) {
    return BearerAuth.principal(ctx).userId();
  }

  private static void ok(RoutingContext ctx, JsonObject body) {
    ctx.response().setStatusCode(200).putHeader("content-type", "application/json").end(body.encode());
  }
}

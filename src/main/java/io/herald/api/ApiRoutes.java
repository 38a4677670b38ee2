package io.herald.api;

import io.herald.auth.Principal;
import io.herald.auth.VerifiedTokens;
import io.herald.config.HeraldConfig;
import io.herald.logging.Mdc;
import io.herald.protocol.ErrorBody;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.ProtocolException;
import io.herald.room.RoomDirectory;
import io.herald.room.RoomPolicy;
import io.herald.presence.PresenceClient;
import io.herald.routing.RoutingClient;
import io.herald.routing.ProducerRequest;
import io.herald.routing.Publisher;
import io.herald.store.NotificationStore;
import io.herald.store.StoreClient;
import io.herald.store.UnreadCounts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer REST API under {@code /api} (docs/rest-api.md). Every route needs a bearer token
 * with a service role; the handlers validate the body and then go through the same event-bus
 * addresses a verticle would use, so REST is just one more producer.
 */
public final class ApiRoutes {
  private static final Logger log = LoggerFactory.getLogger(ApiRoutes.class);
  /** One per node, shared by every gateway instance: so is its cache of verified service tokens. */
  private final BearerAuth auth;


  private final Vertx vertx;
  private final HeraldConfig config;
  private final RoomDirectory directory;
  private final RoutingClient routing;
  private final Publisher publisher;
  private final ProducerRequest.Limits limits;
  private final PresenceClient presence;
  /** Every cluster member's node id, producers included. */
  private final Supplier<List<String>> clusterNodes;
  /** The Herald nodes' ids: the ones asked for their counts. */
  private final Supplier<List<String>> heraldNodes;
  private final StoreClient store;

  public ApiRoutes(Vertx vertx, HeraldConfig config, RoomDirectory directory, RoutingClient routing, Publisher publisher,
      Supplier<List<String>> clusterNodes, Supplier<List<String>> heraldNodes) {
    this.heraldNodes = heraldNodes;
    this.vertx = vertx;
    this.publisher = publisher;
    this.limits = ProducerRequest.Limits.of(config);
    this.routing = routing;
    this.presence = new PresenceClient(vertx);
    this.config = config;
    this.directory = directory;
    this.clusterNodes = clusterNodes;
    this.store = new StoreClient(vertx);
    this.auth = new BearerAuth(vertx, new VerifiedTokens(config.serviceRoles));
  }

  public void mount(Router router) {
    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes));
    router.route("/api/*").handler(auth);
    // A user's own notifications: any valid token, scoped to its user.
    router.get("/api/notifications").handler(this::history);
    router.get("/api/notifications/unread-count").handler(this::unreadCount);
    router.post("/api/notifications/read-all").handler(this::markAllRead);
    router.post("/api/notifications/:id/read").handler(this::markOneRead);
    // Producers: a service role.
    router.post("/api/gateway/send").handler(this::requireService).handler(json(this::send));
    router.post("/api/gateway/send-many").handler(this::requireService).handler(json(this::sendMany));
    router.post("/api/notifications").handler(this::requireService).handler(json(this::notification));
    router.post("/api/rooms/:room/events").handler(this::requireService).handler(json(this::roomEvent));
    router.post("/api/broadcast").handler(this::requireService).handler(json(this::broadcast));
    router.get("/api/gateway/status/:userId").handler(this::requireService).handler(this::status);
    router.get("/api/gateway/connected").handler(this::requireService).handler(this::connected);
    router.get("/api/gateway/stats").handler(this::requireService).handler(this::stats);
  }

  private void requireService(RoutingContext ctx) {
    Principal p = BearerAuth.principal(ctx);
    if (!p.hasAnyRole(config.serviceRoles)) {
      ErrorBody.send(ctx.response(), ErrorCode.FORBIDDEN, "this API needs a token with one of the roles " + config.serviceRoles);
      return;
    }
    ctx.next();
  }

  private void history(RoutingContext ctx) {
    Long before;
    int limit;
    try {
      before = queryLong(ctx, "before");
      Long l = queryLong(ctx, "limit");
      limit = l == null ? NotificationStore.MAX_PAGE : (int) Math.max(1, Math.min(l, NotificationStore.MAX_PAGE));
    } catch (ProtocolException e) {
      ErrorBody.send(ctx.response(), e.code(), e.getMessage());
      return;
    }
    store.page(user(ctx), before, limit)
        .onSuccess(page -> ok(ctx, 200, page))
        .onFailure(err -> storeFailure(ctx, err));
  }

  private void unreadCount(RoutingContext ctx) {
    store.unreadCount(user(ctx))
        .onSuccess(count -> ok(ctx, 200, new JsonObject().put("count", count)))
        .onFailure(err -> storeFailure(ctx, err));
  }

  private void markAllRead(RoutingContext ctx) {
    String user = user(ctx);
    store.markAllRead(user)
        .onSuccess(updated -> {
          if (updated > 0) {
            UnreadCounts.announce(vertx, store, user);
          }
          ok(ctx, 200, new JsonObject().put("success", true).put("updated", updated));
        })
        .onFailure(err -> storeFailure(ctx, err));
  }

  private void markOneRead(RoutingContext ctx) {
    long id;
    try {
      id = Long.parseLong(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      ErrorBody.send(ctx.response(), ErrorCode.NOT_FOUND, "no such notification");
      return;
    }
    String user = user(ctx);
    store.markOneRead(user, id)
        .onSuccess(found -> {
          if (!found) {
            ErrorBody.send(ctx.response(), ErrorCode.NOT_FOUND, "no such notification");
            return;
          }
          UnreadCounts.announce(vertx, store, user);
          ok(ctx, 200, new JsonObject().put("success", true).put("id", id));
        })
        .onFailure(err -> storeFailure(ctx, err));
  }

  private static String user(RoutingContext ctx) {
    return BearerAuth.principal(ctx).userId();
  }

  private static Long queryLong(RoutingContext ctx, String name) {
    String v = ctx.request().getParam(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      long n = Long.parseLong(v);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // fall through
    }
    throw new ProtocolException(ErrorCode.BAD_REQUEST, name + " must be a non-negative integer");
  }

  private static void storeFailure(RoutingContext ctx, Throwable err) {
    ErrorCode code = err instanceof ProtocolException pe ? pe.code() : ErrorCode.INTERNAL;
    ErrorBody.send(ctx.response(), code, err.getMessage());
  }



  /** A handler of a JSON-object body. */
  private interface JsonHandler {
    void handle(RoutingContext ctx, JsonObject body);
  }

  private io.vertx.core.Handler<RoutingContext> json(JsonHandler h) {
    return ctx -> {
      JsonObject body;
      try {
        Object parsed = ctx.body().buffer() == null || ctx.body().length() == 0 ? null : ctx.body().buffer().toJsonValue();
        if (!(parsed instanceof JsonObject o)) {
          ErrorBody.send(ctx.response(), ErrorCode.BAD_REQUEST, "body must be a JSON object");
          return;
        }
        body = o;
      } catch (DecodeException e) {
        ErrorBody.send(ctx.response(), ErrorCode.BAD_REQUEST, "body is not valid JSON");
        return;
      }
      try {
        h.handle(ctx, body);
      } catch (ProtocolException e) {
        ErrorBody.send(ctx.response(), e.code(), e.getMessage());
      }
    };
  }

  private void send(RoutingContext ctx, JsonObject body) {
    ProducerRequest.ToUser request = ProducerRequest.toUser(body, "message", true);
    String userId = request.userId();
    publish(ctx, request, reply -> {
      boolean delivered = reply.getBoolean("delivered", false);
      JsonObject out = new JsonObject()
          .put("success", delivered)
          .put("message", delivered ? "Message sent to user " + userId : "User " + userId + " is not connected");
      if (reply.containsKey("id")) {
        out.put("id", reply.getLong("id")); // stored: it will be replayed when the user connects
      }
      ok(ctx, 200, out);
    });
  }

  private void sendMany(RoutingContext ctx, JsonObject body) {
    ProducerRequest.ToUsers request = ProducerRequest.toUsers(body, "message", true, limits);
    publish(ctx, request, reply -> ok(ctx, 200, new JsonObject()
        .put("success", true)
        .put("message", "Message sent to " + request.userIds().size() + " users")
        .put("userIds", new JsonArray(request.userIds()))));
  }

  private void notification(RoutingContext ctx, JsonObject body) {
    publish(ctx, ProducerRequest.notify(body), reply -> ok(ctx, 202, new JsonObject().put("id", reply.getLong("id"))));
  }

  private void roomEvent(RoutingContext ctx, JsonObject body) {
    ProducerRequest.ToRoom request = ProducerRequest.toRoom(ctx.pathParam("room"), body, limits);
    publish(ctx, request, reply -> {
      JsonObject answer = new JsonObject()
          .put("success", true)
          .put("room", request.room())
          .put("delivered", reply.getBoolean("delivered", false));
      // a kept event is committed: 202 with its history id, as a stored notification
      ok(ctx, request.persist() ? 202 : 200, request.persist() ? answer.put("id", reply.getLong("id")) : answer);
    });
  }

  private void broadcast(RoutingContext ctx, JsonObject body) {
    publish(ctx, ProducerRequest.broadcast(body, "data"),
        reply -> ok(ctx, 200, new JsonObject().put("success", true).put("message", "Broadcast sent")));
  }

  /** Presence's answer: online from the first connection until the offline grace period ends. */
  private void status(RoutingContext ctx) {
    String userId = ctx.pathParam("userId");
    presence.status(List.of(userId))
        .onSuccess(status -> ok(ctx, 200, new JsonObject().put("userId", userId)
            .put("connected", status.getBoolean(userId, false))))
        .onFailure(err -> unavailable(ctx, err));
  }

  private void connected(RoutingContext ctx) {
    onlineUsers()
        .onSuccess(users -> ok(ctx, 200, new JsonObject().put("connectedUsers", new JsonArray(users)).put("count", users.size())))
        .onFailure(err -> unavailable(ctx, err));
  }

  private void stats(RoutingContext ctx) {
    List<String> members = clusterNodes.get();
    Future<List<String>> users = onlineUsers();
    Future<List<String>> rooms = directory.rooms();
    Future<List<JsonObject>> nodes = routing.nodeStats(heraldNodes.get()); // producers have no counts: not asked
    Future.all(users, rooms, nodes)
        .onSuccess(v -> {
          int connections = 0;
          for (JsonObject n : nodes.result()) {
            connections += n.getInteger("connections", 0);
          }
          int named = 0;
          for (String r : rooms.result()) {
            named += RoomPolicy.isUserRoom(r) || RoomPolicy.isInternal(r) ? 0 : 1;
          }
          ok(ctx, 200, new JsonObject()
              .put("connectedUsers", users.result().size())
              .put("connections", connections)
              .put("rooms", named)
              .put("nodes", new JsonArray(new ArrayList<>(nodes.result())))
              .put("members", new JsonArray(members)));
        })
        .onFailure(err -> unavailable(ctx, err));
  }

  private Future<List<String>> onlineUsers() {
    return presence.online();
  }

  /**
   * Publishes a validated request through this node's {@link Publisher} (no event-bus hop, no second
   * validation), bounded by {@value #PUBLISH_TIMEOUT_MS} ms.
   */
  private void publish(RoutingContext ctx, ProducerRequest request, java.util.function.Consumer<JsonObject> onReply) {
    publisher.publish(request)
        .timeout(PUBLISH_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .onSuccess(onReply::accept)
        .onFailure(err -> {
          ErrorCode code = err instanceof ProtocolException pe ? pe.code() : ErrorCode.INTERNAL;
          switch (code) {
            case BAD_REQUEST, PAYLOAD_TOO_LARGE -> ErrorBody.send(ctx.response(), code, err.getMessage());
            case STORE_UNAVAILABLE -> ErrorBody.send(ctx.response(), code,
                "notification store unavailable; nothing was delivered (after a timeout the row may still have been committed)");
            default -> unavailable(ctx, err);
          }
        });
  }

  /**
   * A producer call gets 503 after this long rather than waiting on a stalled cluster (the store's
   * own bound is pg.timeout-ms). The node's own Publisher serves it: a round robin over the cluster
   * would only add a network hop and a serialisation.
   */
  private static final long PUBLISH_TIMEOUT_MS = 10_000;

  private static void unavailable(RoutingContext ctx, Throwable err) {
    try (Mdc mdc = Mdc.request(RequestMetrics.requestId(ctx))) {
      log.warn("{} {} failed: {}", ctx.request().method(), ctx.request().path(), err.toString());
    }
    ErrorBody.send(ctx.response(), ErrorCode.UNAVAILABLE, "the cluster could not be reached; retry");
  }

  private static void ok(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }

  /** JSON bodies for the router's own errors (404, 405, 413, 500). */
  public static void mountErrorHandlers(Router router) {
    router.errorHandler(404, ctx -> ErrorBody.send(ctx.response(), ErrorCode.NOT_FOUND, "no such resource"));
    router.errorHandler(405, ctx -> ErrorBody.send(ctx.response(), 405, ErrorCode.BAD_REQUEST, "method not allowed"));
    router.errorHandler(413, ctx -> ErrorBody.send(ctx.response(), ErrorCode.PAYLOAD_TOO_LARGE, "request body too large"));
    router.errorHandler(500, ctx -> {
      if (ctx.failure() != null) {
        try (Mdc mdc = Mdc.request(RequestMetrics.requestId(ctx))) {
          log.error("{} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
        }
      }
      ErrorBody.send(ctx.response(), ErrorCode.INTERNAL, "internal error");
    });
  }
}

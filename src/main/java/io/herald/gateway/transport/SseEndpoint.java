package io.herald.gateway.transport;

import io.herald.auth.AuthException;
import io.herald.auth.Credentials;
import io.herald.auth.Principal;
import io.herald.config.HeraldConfig;
import io.herald.protocol.CloseCodes;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.ServerFrame;
import io.herald.session.Session;
import io.herald.session.SessionHub;
import io.herald.store.StoreClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /notifications/events}: authenticates the request, then streams {@code
 * text/event-stream} through an {@link SseTransport} handed to a session (docs/transport-sse.md).
 * One instance per gateway verticle; everything runs on that verticle's event loop.
 *
 * <p>A missing or refused token gets 401 with a JSON error body before any stream starts, so an
 * EventSource stops instead of retrying. The first event is {@code unread_count}; the session then
 * replays (after {@code Last-Event-ID}, or the newest unread) and goes live.
 */
public final class SseEndpoint {
  public static final String PATH = "/notifications/events";
  private static final Logger log = LoggerFactory.getLogger(SseEndpoint.class);

  private final Vertx vertx;
  private final HeraldConfig config;
  private final SessionHub hub;
  private final StoreClient store;
  /** This gateway instance's open streams, for the heartbeat. */
  private final Set<SseTransport> streams = new HashSet<>();

  /** Call from the gateway verticle's start: the heartbeat timer runs on its event loop. */
  public SseEndpoint(Vertx vertx, HeraldConfig config, SessionHub hub) {
    this.vertx = vertx;
    this.config = config;
    this.hub = hub;
    this.store = new StoreClient(vertx);
    vertx.setPeriodic(config.sseHeartbeatMs, id -> {
      for (SseTransport t : streams) {
        t.heartbeat();
      }
    });
  }

  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String token = Credentials.bearer(request.getHeader(HttpHeaders.AUTHORIZATION));
    if (token == null) {
      token = request.getParam("token");
    }
    if (token == null || token.isBlank()) {
      refuse(ctx, 401, ErrorCode.UNAUTHORIZED, "a token is required: Authorization: Bearer <token> or ?token=");
      return;
    }
    String lastEventId = request.getHeader("Last-Event-ID");
    if (lastEventId == null || lastEventId.isBlank()) {
      lastEventId = request.getParam("lastEventId");
    }
    String resumeFrom = lastEventId;
    String presented = token;
    Credentials.verify(vertx, token).onComplete(ar -> {
      if (ar.failed()) {
        boolean refused = ar.cause() instanceof AuthException;
        refuse(ctx, refused ? 401 : 503, refused ? ErrorCode.UNAUTHORIZED : ErrorCode.UNAVAILABLE,
            refused ? ar.cause().getMessage() : "token verification unavailable; retry");
        return;
      }
      if (!ctx.response().closed()) {
        stream(ctx, ar.result(), presented, resumeFrom);
      }
    });
  }

  private void stream(RoutingContext ctx, Principal principal, String token, String lastEventId) {
    HttpServerResponse response = ctx.response()
        .setStatusCode(200)
        .setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .putHeader("X-Accel-Buffering", "no");
    HttpConnection connection = ctx.request().connection();
    boolean http1 = ctx.request().version() != HttpVersion.HTTP_2;
    // The stream stays open through its heartbeats (the server's idle timeout counts writes too);
    // the connection ends with the stream rather than lingering as an idle keep-alive one.
    SseTransport transport = new SseTransport(response, config.maxOutboundQueueBytes, http1 ? connection::close : () -> { });
    streams.add(transport);
    Session[] session = {null};
    response.exceptionHandler(err -> { }); // the close handler follows
    response.closeHandler(v -> {
      if (session[0] != null) {
        session[0].onTransportClosed();
      }
      transport.ended();
    });
    transport.onEnded(() -> streams.remove(transport));
    response.write("retry: " + config.sseRetryMs + "\n\n");
    if (hub.state().draining() || hub.full()) {
      // An EventSource retries a 200 stream that ends, but gives up on a 503: the retry reaches the
      // load balancer's next pick, or this node once it has room.
      transport.close(CloseCodes.TRY_AGAIN_LATER,
          hub.state().draining() ? "server shutting down" : "this node is at its connection limit; try again");
      return;
    }
    // The count first, as the event order in docs/transport-sse.md promises; the session's catch-up
    // follows and ends with its own unread_count, which corrects a count made stale meanwhile.
    store.unreadCount(principal.userId())
        .onSuccess(count -> transport.write(ServerFrame.event("unread_count", new JsonObject().put("count", count))))
        .onComplete(ar -> {
          if (transport.isEnded()) {
            return;
          }
          // The session verifies the token again: one node-local request, and every transport keeps
          // the one start path (presence admission, expiry timer, replay).
          session[0] = hub.open(transport);
          session[0].start(token, lastEventId);
        });
  }

  private static void refuse(RoutingContext ctx, int status, ErrorCode code, String message) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("error", new JsonObject().put("code", code.name()).put("message", message)).encode());
  }

}

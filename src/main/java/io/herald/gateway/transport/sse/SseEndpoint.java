package io.herald.gateway.transport.sse;

import io.herald.auth.AuthException;
import io.herald.auth.Credentials;
import io.herald.auth.Principal;
import io.herald.config.HeraldConfig;
import io.herald.gateway.transport.Admission;
import io.herald.gateway.transport.Endpoint;
import io.herald.gateway.transport.QueryParams;
import io.herald.protocol.ErrorBody;
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
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /notifications/events}: authenticates the request, then streams {@code
 * text/event-stream} through an {@link SseTransport} handed to a session (docs/transport-sse.md).
 *
 * <p>A missing or refused token gets 401 with a JSON error body before any stream starts, so an
 * EventSource stops instead of retrying. The first event is {@code unread_count}; the session then
 * replays (after {@code Last-Event-ID}, or the newest unread) and goes live.
 */
public final class SseEndpoint implements Endpoint {
  public static final String PATH = "/notifications/events";

  private final Vertx vertx;
  private final HeraldConfig config;
  private final SessionHub hub;
  private final StoreClient store;

  public SseEndpoint(Vertx vertx, HeraldConfig config, SessionHub hub) {
    this.vertx = vertx;
    this.config = config;
    this.hub = hub;
    this.store = new StoreClient(vertx);
  }

  @Override
  public void mount(Router router) {
    router.get(PATH).handler(this::handle);
  }

  private void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    QueryParams query = QueryParams.of(request.uri());
    String token = Admission.token(request.headers(), query);
    if (token == null) {
      ErrorBody.send(ctx.response(), ErrorCode.UNAUTHORIZED, "a token is required: Authorization: Bearer <token> or ?token=");
      return;
    }
    String resumeFrom = Admission.resumeCursor(request.headers(), query);
    Credentials.verify(vertx, token).onComplete(ar -> {
      if (ar.failed()) {
        boolean refused = ar.cause() instanceof AuthException;
        ErrorBody.send(ctx.response(), refused ? ErrorCode.UNAUTHORIZED : ErrorCode.UNAVAILABLE,
            refused ? ar.cause().getMessage() : "token verification unavailable; retry");
        return;
      }
      if (!ctx.response().closed()) {
        stream(ctx, ar.result(), token, resumeFrom);
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
    SseTransport transport = new SseTransport(response, http1 ? connection : null, config.maxOutboundQueueBytes,
        config.sseHeartbeatMs, http1 ? connection::close : () -> { });
    Session[] session = {null};
    response.exceptionHandler(err -> { }); // the close handler follows
    response.closeHandler(v -> {
      transport.ended();
      if (session[0] != null) {
        session[0].onTransportClosed();
      }
    });
    response.write("retry: " + config.sseRetryMs + "\n\n");
    Admission.Verdict verdict = Admission.verdict(hub);
    if (!verdict.admitted()) {
      // An EventSource retries a 200 stream that ends, but gives up on a 503: the retry reaches the
      // load balancer's next pick, or this node once it has room.
      transport.close(verdict.closeCode(), verdict == Admission.Verdict.DRAINING ? "server shutting down" : verdict.message());
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
}

package io.herald.gateway.transport.websocket;

import io.herald.config.HeraldConfig;
import io.herald.gateway.transport.Admission;
import io.herald.gateway.transport.Endpoint;
import io.herald.gateway.transport.QueryParams;
import io.herald.protocol.ErrorBody;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.ServerFrame;
import io.herald.session.Session;
import io.herald.session.SessionHub;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;

/**
 * The raw WebSocket endpoint ({@code ws.path}, default {@code /ws}): JSON text frames
 * (docs/protocol.md). A draining node refuses the upgrade (503, {@code Retry-After: 1}); a full one
 * accepts it only to say why ({@code UNAVAILABLE}, close 1013).
 */
public final class WebSocketEndpoint implements Endpoint {
  private final HeraldConfig config;
  private final SessionHub hub;

  public WebSocketEndpoint(HeraldConfig config, SessionHub hub) {
    this.config = config;
    this.hub = hub;
  }

  /**
   * Other spellings of the path ("/ws/") reach the endpoint through the router; the path itself is
   * served before it ({@link #handles}): a socket upgraded through a routing context is wrapped, and
   * the wrapper (with the authority and remote address it copies) lives as long as the socket.
   */
  @Override
  public void mount(Router router) {
    router.route(config.wsPath).handler(ctx -> upgrade(ctx.request()));
  }

  /** Whether {@code request} is for this endpoint's exact path (served without the router). */
  public boolean handles(HttpServerRequest request) {
    return config.wsPath.equals(request.path());
  }

  public void upgrade(HttpServerRequest request) {
    Admission.Verdict verdict = Admission.verdict(hub);
    if (verdict == Admission.Verdict.DRAINING) {
      request.response().putHeader("Retry-After", "1");
      ErrorBody.send(request.response(), verdict.code(), verdict.message());
      return;
    }
    if (!"websocket".equalsIgnoreCase(request.getHeader(HttpHeaders.UPGRADE))) {
      ErrorBody.send(request.response(), ErrorCode.BAD_REQUEST, "WebSocket upgrade required");
      return;
    }
    QueryParams query = QueryParams.of(request.uri());
    String token = Admission.token(request.headers(), query);
    String cursor = Admission.resumeCursor(request.headers(), query);
    if (!verdict.admitted()) {
      // Accepted so that the client can read why; it should try another node.
      request.toWebSocket().onSuccess(ws -> {
        ws.writeTextMessage(ServerFrame.error(verdict.code(), verdict.message(), null).json());
        ws.close(verdict.closeCode(), verdict.closeReason());
      });
      return;
    }
    request.toWebSocket().onSuccess(ws -> {
      WebSocketTransport transport = new WebSocketTransport(ws, config.maxOutboundQueueBytes, config.pingIntervalMs,
          config.idleTimeoutMs);
      Session session = hub.open(transport);
      transport.attach(session);
      session.start(token, cursor);
    });
  }
}

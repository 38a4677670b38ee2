package io.herald.gateway.transport;

import io.herald.auth.Credentials;
import io.herald.config.HeraldConfig;
import io.herald.protocol.CloseCodes;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.ServerFrame;
import io.herald.session.SessionHub;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import io.vertx.ext.web.handler.sockjs.Transport;
import java.util.List;

/**
 * The SockJS endpoint at {@value #PATH} (docs/transport-sockjs.md): the {@code /ws} protocol for
 * clients that cannot keep a plain WebSocket open. It authenticates like {@code /ws} (Bearer header,
 * {@code ?token=}, or the first {@code auth} frame) and hands each SockJS session to the session
 * layer through a {@link SockJSTransport}.
 */
public final class SockJSEndpoint {
  public static final String PATH = "/sockjs";
  /** Sessions whose poll or streaming request is being registered (see {@link #receive}). */
  private static final String REGISTERING_MAP = "herald.sockjs.registering";
  private static final int MAX_REGISTER_WAIT_MS = 1000;
  /** {@code /{server}/{session}/} of a SockJS session request. */
  private static final String SESSION = "/[^/.]+/[^/.]+/";

  private SockJSEndpoint() {}

  /**
   * Mounts the endpoint on a gateway instance's router. SockJS keeps its sessions in a map shared
   * by every instance of this Vert.x node, so a polling client's requests may land on any event loop.
   */
  public static void mount(Vertx vertx, Router router, SessionHub hub, HeraldConfig config) {
    // SockJS also serves a raw WebSocket at /sockjs/websocket, without SockJS framing: that is
    // what /ws is (and SockJS would read binary frames there as text), so it is not offered.
    refuseRawWebSocket(router, PATH, "for a plain WebSocket use " + config.wsPath);
    // xhr_send needs a parsed body; it is bounded like a WebSocket frame on /ws (over it: 413).
    router.post(PATH + "/*").handler(BodyHandler.create(false).setBodyLimit(maxMessageBytes(config)));
    guardSessionRequests(vertx, router, PATH);
    SockJSHandlerOptions options = options(config);
    router.route(PATH + "/*").subRouter(SockJSHandler.create(vertx, options)
        .socketHandler(sock -> accept(vertx, hub, config, sock)));
  }

  /** Answers SockJS's raw WebSocket path under {@code basePath} with 404 and {@code message}. */
  static void refuseRawWebSocket(Router router, String basePath, String message) {
    router.route(basePath + "/websocket").handler(ctx -> ctx.response().setStatusCode(404)
        .putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", new JsonObject()
            .put("code", ErrorCode.NOT_FOUND.name())
            .put("message", message)).encode()));
  }

  /**
   * Installs {@link #receive} for the poll and streaming requests of every SockJS endpoint under
   * {@code basePath} (this one and the event-bus bridge); call before mounting the SockJS handler.
   */
  static void guardSessionRequests(Vertx vertx, Router router, String basePath) {
    LocalMap<String, Boolean> registering = vertx.sharedData().getLocalMap(REGISTERING_MAP);
    // No capturing groups: SockJS reads the session id as the request's first regex parameter.
    router.routeWithRegex(basePath + SESSION + "(?:xhr|xhr_streaming|eventsource)")
        .handler(ctx -> receive(vertx, registering, ctx, 0));
  }

  /**
   * A poll or streaming request that opens (or re-attaches to) a SockJS session. Two fixes around
   * vertx-web 5.0.10's SockJS:
   * <ul>
   *   <li>It closes the connection after every such response without saying so. A keep-alive client
   *       (Node's default agent since Node 19; proxies, vertx-web issue #2862) may then send its
   *       next request on that dying connection and fail: {@code Connection: close} announces it.
   *   <li>A session's requests land on whichever event loop accepted their connection, and
   *       SockJSSession.register is not safe across threads: it sends {@code o} before it records
   *       that it did, so a client polling again at once can be answered {@code o} a second time
   *       on another event loop (sockjs-client then closes with 1006 "Server lost session") and
   *       the socket handler runs twice for one session. So one such request per session runs at
   *       a time, node-wide; another one for the same session waits (1 ms steps) until it returns.
   * </ul>
   */
  private static void receive(Vertx vertx, LocalMap<String, Boolean> registering, RoutingContext ctx, int waited) {
    String path = ctx.normalizedPath(); // <base>/<server>/<session>/<transport>
    String session = path.substring(0, path.lastIndexOf('/'));
    boolean mine = registering.putIfAbsent(session, Boolean.TRUE) == null;
    if (!mine && waited < MAX_REGISTER_WAIT_MS) {
      vertx.setTimer(1, t -> receive(vertx, registering, ctx, waited + 1));
      return;
    }
    ctx.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    try {
      ctx.next(); // the SockJS handler registers the request with its session synchronously
    } finally {
      if (mine) {
        registering.remove(session);
      }
    }
  }

  /** The transports browsers need today; jsonp and htmlfile only served browsers without CORS XHR. */
  static SockJSHandlerOptions options(HeraldConfig config) {
    return new SockJSHandlerOptions()
        .setHeartbeatInterval(config.sockjsHeartbeatMs)
        .setSessionTimeout(config.sockjsSessionTimeoutMs)
        .setMaxBytesStreaming(config.sockjsMaxBytesStreaming)
        .addDisabledTransport(Transport.JSON_P.name())
        .addDisabledTransport(Transport.HTML_FILE.name());
  }

  /** The same hard limit a WebSocket frame on /ws has (GatewayVerticle.serverOptions). */
  static int maxMessageBytes(HeraldConfig config) {
    return Math.max(config.maxFrameBytes * 4, 65536);
  }

  private static void accept(Vertx vertx, SessionHub hub, HeraldConfig config, SockJSSocket sock) {
    if (hub.state().draining() || hub.full()) {
      // No HTTP refusal here: the SockJS session is already open, so the client reads why.
      SockJSTransport transport = new SockJSTransport(vertx, sock, config.maxOutboundQueueBytes, config.sockjsSessionTimeoutMs);
      boolean draining = hub.state().draining();
      transport.write(ServerFrame.error(ErrorCode.UNAVAILABLE, draining ? "this node is shutting down; reconnect"
          : "this node is at its connection limit; try again", null));
      transport.close(draining ? CloseCodes.SERVICE_RESTART : CloseCodes.TRY_AGAIN_LATER, draining ? "server shutting down" : "node full");
      return;
    }
    QueryStringDecoder query = new QueryStringDecoder(sock.uri());
    String token = Credentials.bearer(sock.headers().get(HttpHeaders.AUTHORIZATION));
    if (token == null) {
      token = param(query, "token");
    }
    SockJSTransport.attach(hub, vertx, sock, token, param(query, "lastNotificationId"),
        config.maxOutboundQueueBytes, config.sockjsSessionTimeoutMs);
  }

  private static String param(QueryStringDecoder query, String name) {
    List<String> values = query.parameters().get(name);
    return values == null || values.isEmpty() || values.get(0).isBlank() ? null : values.get(0);
  }

}

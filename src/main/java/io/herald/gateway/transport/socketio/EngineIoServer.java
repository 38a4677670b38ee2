package io.herald.gateway.transport.socketio;

import io.herald.config.HeraldConfig;
import io.herald.gateway.transport.Admission;
import io.herald.gateway.transport.QueryParams;
import io.herald.session.SessionHub;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Socket.IO endpoint ({@code socketio.path}, default {@code /socket.io/}): Engine.IO v4 over
 * HTTP long-polling and WebSocket, with the polling-to-WebSocket upgrade, carrying Socket.IO v5
 * packets. One per node: a polling client's requests may reach any gateway instance, so sessions
 * are found here by sid and each runs on the context that created it.
 */
public final class EngineIoServer {
  final Vertx vertx;
  final HeraldConfig config;
  final SessionHub hub;
  private final ConcurrentHashMap<String, EngineIoSession> sessions = new ConcurrentHashMap<>();

  public EngineIoServer(Vertx vertx, HeraldConfig config, SessionHub hub) {
    this.vertx = vertx;
    this.config = config;
    this.hub = hub;
  }

  /** Handles every request under the Socket.IO path that the router passes on. */
  public void handle(RoutingContext ctx) {
    handle(ctx.request());
  }

  /**
   * True for a WebSocket upgrade under the Socket.IO path: the gateway hands it to {@link
   * #handle(HttpServerRequest)} before the router, as {@code /ws}'s, so the socket is Vert.x's own
   * (the router would wrap it, and its frames could not go straight to the channel).
   */
  public boolean handlesUpgrade(HttpServerRequest req) {
    return req.path() != null && req.path().startsWith(config.socketIoPath)
        && "websocket".equalsIgnoreCase(req.getHeader(HttpHeaders.UPGRADE));
  }

  /** Handles one request under the Socket.IO path. */
  public void handle(HttpServerRequest req) {
    HttpServerResponse resp = req.response();
    cors(req, resp);
    if (req.method() == HttpMethod.OPTIONS) {
      resp.setStatusCode(204).end();
      return;
    }
    if (!"4".equals(req.getParam("EIO"))) {
      error(resp, 400, 5, "Unsupported protocol version");
      return;
    }
    String transport = req.getParam("transport");
    String sid = req.getParam("sid");
    if ("websocket".equals(transport)) {
      webSocket(req, sid);
    } else if ("polling".equals(transport)) {
      polling(req, sid);
    } else {
      error(resp, 400, 0, "Transport unknown");
    }
  }

  private void polling(HttpServerRequest req, String sid) {
    HttpServerResponse resp = req.response();
    if (sid == null) {
      if (req.method() != HttpMethod.GET) {
        error(resp, 400, 3, "Bad handshake method");
        return;
      }
      if (refuseWhenDraining(resp)) {
        return;
      }
      EngineIoSession session = create(req);
      resp.putHeader("content-type", "text/plain; charset=UTF-8").end(session.openPacket(true));
      return;
    }
    EngineIoSession session = sessions.get(sid);
    if (session == null) {
      error(resp, 400, 1, "Session ID unknown");
      return;
    }
    if (req.method() == HttpMethod.GET) {
      session.context.runOnContext(v -> session.poll(resp));
    } else if (req.method() == HttpMethod.POST) {
      String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
      if (length != null && !length.chars().allMatch(Character::isDigit)) {
        error(resp, 400, 3, "Bad request");
        return;
      }
      if (length != null && Long.parseLong(length) > config.socketIoMaxPayloadBytes) {
        error(resp, 413, 3, "Payload too large");
        session.context.runOnContext(v -> session.close("payload too large"));
        return;
      }
      req.body().onSuccess(body -> {
        if (body.length() > config.socketIoMaxPayloadBytes) {
          error(resp, 413, 3, "Payload too large");
          session.context.runOnContext(v -> session.close("payload too large"));
          return;
        }
        String text = body.toString();
        session.context.runOnContext(v -> session.onPayload(text));
        resp.putHeader("content-type", "text/html").end("ok");
      });
    } else {
      error(resp, 400, 2, "Bad request");
    }
  }

  private void webSocket(HttpServerRequest req, String sid) {
    if (!"websocket".equalsIgnoreCase(req.getHeader(HttpHeaders.UPGRADE))) {
      error(req.response(), 400, 3, "Bad request");
      return;
    }
    if (sid == null) {
      if (refuseWhenDraining(req.response())) {
        return;
      }
      EngineIoSession session = create(req);
      req.toWebSocket().onSuccess(session::useWebSocket).onFailure(err -> session.close("upgrade failed"));
      return;
    }
    EngineIoSession session = sessions.get(sid);
    if (session == null) {
      error(req.response(), 400, 1, "Session ID unknown");
      return;
    }
    req.toWebSocket().onSuccess(ws -> {
      // The upgrade usually runs on another event loop than the session: the socket is paused
      // until the session has set its handlers, or the client's "2probe" could arrive before them
      // and be lost (the client then waits for "3probe" forever and never upgrades).
      ws.pause();
      io.vertx.core.Context socketContext = vertx.getOrCreateContext();
      session.context.runOnContext(v -> {
        session.probe(ws);
        socketContext.runOnContext(w -> ws.resume());
      });
    });
  }

  private EngineIoSession create(HttpServerRequest req) {
    String token = Admission.token(req.headers(), QueryParams.of(req.uri()));
    Context context = vertx.getOrCreateContext();
    EngineIoSession session = new EngineIoSession(this, context, UUID.randomUUID().toString(), token);
    sessions.put(session.sid, session);
    return session;
  }

  /**
   * A handshake is refused (503, so the client retries, possibly on another node) while the node
   * drains or holds its maximum of connections: an Engine.IO connection counts toward
   * {@code limits.max-connections-per-node} from its handshake on, authenticated or not.
   */
  private boolean refuseWhenDraining(HttpServerResponse resp) {
    Admission.Verdict verdict = Admission.verdict(hub);
    if (verdict.admitted()) {
      return false;
    }
    resp.putHeader("Retry-After", "1");
    error(resp, verdict.code().httpStatus(), 0, verdict.message());
    return true;
  }

  void remove(EngineIoSession session) {
    sessions.remove(session.sid, session);
  }

  private void cors(HttpServerRequest req, HttpServerResponse resp) {
    String origin = req.getHeader(HttpHeaders.ORIGIN);
    if (origin == null) {
      return;
    }
    if (config.socketIoCorsOrigins.contains(origin)) {
      // A configured origin may send credentials (cookies): it is named, never reflected blindly.
      resp.putHeader("Access-Control-Allow-Origin", origin)
          .putHeader("Access-Control-Allow-Credentials", "true")
          .putHeader("Vary", "Origin");
    } else if (config.socketIoCorsOrigins.contains("*")) {
      // Any origin, without credentials: a page elsewhere can open a connection with a token it
      // holds, but never ride on a user's cookies.
      resp.putHeader("Access-Control-Allow-Origin", "*");
    } else {
      return;
    }
    resp.putHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        .putHeader("Access-Control-Allow-Headers", "Authorization, Content-Type");
  }

  /** Engine.IO's error body: {@code {"code","message"}}. */
  static void error(HttpServerResponse resp, int status, int code, String message) {
    if (!resp.ended()) {
      resp.setStatusCode(status).putHeader("content-type", "application/json")
          .end(new JsonObject().put("code", code).put("message", message).encode());
    }
  }
}

package io.herald.gateway.transport;

import io.herald.config.HeraldConfig;
import io.herald.protocol.CloseCodes;
import io.herald.protocol.ErrorCode;
import io.herald.session.SessionHub;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The event-bus bridge endpoint at {@code bridge.path}: SockJS (any transport sockjs-client picks)
 * with a plain socket handler, so vertx-web's bridge, which registers an event-bus consumer per
 * client registration, is not used; each socket becomes a {@link BridgeTransport}. One per gateway
 * verticle instance; its sockets live on that instance's event loop.
 */
public final class BridgeEndpoint {
  private final Vertx vertx;
  private final SessionHub hub;
  private final HeraldConfig config;
  /** This instance's sockets, for the ping timeout. */
  private final Set<BridgeTransport> sockets = ConcurrentHashMap.newKeySet();

  private BridgeEndpoint(Vertx vertx, SessionHub hub, HeraldConfig config) {
    this.vertx = vertx;
    this.hub = hub;
    this.config = config;
  }

  /** Mounts the endpoint on {@code router}; call from the gateway verticle's start. */
  public static void mount(Vertx vertx, Router router, SessionHub hub, HeraldConfig config) {
    BridgeEndpoint endpoint = new BridgeEndpoint(vertx, hub, config);
    String path = config.bridgePath + "/*";
    // SockJS's raw WebSocket endpoint (no SockJS framing, binary frames) is not offered: the stock
    // client never uses it, and it is not tested.
    SockJSEndpoint.refuseRawWebSocket(router, config.bridgePath, "the event-bus bridge speaks SockJS at "
        + config.bridgePath + " (use @vertx/eventbus-bridge-client.js); for a plain WebSocket use " + config.wsPath);
    // The XHR transports post message batches: bounded like a WebSocket message.
    router.post(path).handler(BodyHandler.create(false).setBodyLimit(Math.max(config.maxFrameBytes * 4, 65536)));
    // The transport set of /sockjs (no JSONP or htmlfile), with the bridge's heartbeat.
    SockJSHandlerOptions options = SockJSEndpoint.options(config)
        .setRegisterWriteHandler(false) // no event-bus consumer per socket either
        .setHeartbeatInterval(config.pingIntervalMs);
    // The same vertx-web SockJS fixes as /sockjs: one poll per session at a time, Connection: close.
    SockJSEndpoint.guardSessionRequests(vertx, router, config.bridgePath);
    router.route(path).subRouter(SockJSHandler.create(vertx, options).socketHandler(endpoint::accept));
    long timeout = TimeUnit.MILLISECONDS.toNanos(config.bridgePingTimeoutMs);
    String reason = "no ping within " + config.bridgePingTimeoutMs + " ms";
    vertx.setPeriodic(Math.max(500, config.bridgePingTimeoutMs / 2), id -> {
      for (BridgeTransport t : endpoint.sockets) {
        t.closeIfSilent(timeout, reason);
      }
    });
  }

  private void accept(SockJSSocket socket) {
    if (hub.state().draining() || hub.full()) {
      // Closed only once the refusal went out (a polling client must fetch it first), bounded.
      long fallback = vertx.setTimer(config.sockjsSessionTimeoutMs, t -> socket.close(CloseCodes.TRY_AGAIN_LATER, "try again later"));
      socket.write(BridgeFrames.err(null, ErrorCode.UNAVAILABLE, "this node is not accepting connections; try again"))
          .onComplete(ar -> {
            if (vertx.cancelTimer(fallback)) {
              socket.close(CloseCodes.TRY_AGAIN_LATER, "try again later");
            }
          });
      return;
    }
    BridgeTransport transport = BridgeTransport.attach(vertx, hub, socket, config);
    sockets.add(transport);
    transport.onClosed(() -> sockets.remove(transport));
  }
}

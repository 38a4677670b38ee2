package io.herald.gateway.transport.bridge;

import io.herald.config.HeraldConfig;
import io.herald.gateway.transport.Admission;
import io.herald.gateway.transport.Endpoint;
import io.herald.gateway.transport.FlushThenClose;
import io.herald.gateway.transport.SockJsSupport;
import io.herald.session.SessionHub;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

/**
 * The event-bus bridge endpoint at {@code bridge.path} (docs/transport-eventbus-bridge.md): SockJS
 * (any transport sockjs-client picks) with a plain socket handler, so vertx-web's bridge, which
 * registers an event-bus consumer per client registration, is not used; each socket becomes a
 * {@link BridgeTransport} speaking the bridge protocol to one session.
 */
public final class BridgeEndpoint implements Endpoint {
  private final Vertx vertx;
  private final SessionHub hub;
  private final HeraldConfig config;

  public BridgeEndpoint(Vertx vertx, HeraldConfig config, SessionHub hub) {
    this.vertx = vertx;
    this.hub = hub;
    this.config = config;
  }

  @Override
  public void mount(Router router) {
    // SockJS's raw WebSocket endpoint (no SockJS framing, binary frames) is not offered: the stock
    // client never uses it. The transport set of /sockjs, with the bridge's heartbeat.
    SockJsSupport.mountBefore(vertx, router, config.bridgePath, config, "the event-bus bridge speaks SockJS at "
        + config.bridgePath + " (use @vertx/eventbus-bridge-client.js); for a plain WebSocket use " + config.wsPath);
    SockJSHandlerOptions options = SockJsSupport.options(config)
        .setRegisterWriteHandler(false) // no event-bus consumer per socket either
        .setHeartbeatInterval(config.pingIntervalMs);
    router.route(config.bridgePath + "/*").subRouter(SockJSHandler.create(vertx, options).socketHandler(this::accept));
  }

  private void accept(SockJSSocket socket) {
    Admission.Verdict verdict = Admission.verdict(hub);
    if (!verdict.admitted()) {
      // Closed only once the refusal went out (a polling client must fetch it first), bounded.
      FlushThenClose.after(vertx, socket.write(BridgeFrames.err(null, verdict.code(), verdict.message())),
          config.sockjsSessionTimeoutMs, () -> socket.close(verdict.closeCode(), verdict.closeReason()));
      return;
    }
    BridgeTransport.attach(vertx, hub, socket, config);
  }
}

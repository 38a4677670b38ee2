package io.herald.gateway.transport;

import io.vertx.ext.web.Router;

/**
 * A transport's entry point: its routes on a gateway instance's router. Each transport package
 * ({@code websocket}, {@code sse}, {@code sockjs}, {@code bridge}, {@code socketio}) holds one
 * endpoint and its {@link io.herald.session.Transport}: the handshake and the framing, nothing
 * else. Admission ({@link Admission}), the outbound budget ({@link OutboundBytes}), the close
 * ({@link FlushThenClose}), the keep-alive ({@link io.herald.session.Transport#keepAlive}, swept
 * by the gateway) and the error body ({@link io.herald.protocol.ErrorBody}) are shared.
 *
 * <p>One instance per gateway verticle; {@link #mount} runs on that verticle's event loop.
 */
public interface Endpoint {
  void mount(Router router);
}

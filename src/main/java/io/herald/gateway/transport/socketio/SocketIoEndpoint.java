package io.herald.gateway.transport.socketio;

import io.herald.gateway.transport.Endpoint;
import io.vertx.ext.web.Router;

/**
 * The Socket.IO endpoint of one gateway instance: every request under {@code socketio.path} goes to
 * the node's {@link EngineIoServer}, which finds a polling client's connection by sid whatever
 * event loop its request reached.
 */
public final class SocketIoEndpoint implements Endpoint {
  private final EngineIoServer server;

  public SocketIoEndpoint(EngineIoServer server) {
    this.server = server;
  }

  @Override
  public void mount(Router router) {
    router.route(server.config.socketIoPath + "*").handler(server::handle);
  }
}

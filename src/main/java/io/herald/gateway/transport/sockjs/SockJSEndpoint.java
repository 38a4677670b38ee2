package io.herald.gateway.transport.sockjs;

import io.herald.config.HeraldConfig;
import io.herald.gateway.transport.Admission;
import io.herald.gateway.transport.Endpoint;
import io.herald.gateway.transport.QueryParams;
import io.herald.gateway.transport.SockJsSupport;
import io.herald.protocol.ServerFrame;
import io.herald.session.Session;
import io.herald.session.SessionHub;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.nio.charset.StandardCharsets;

/**
 * The SockJS endpoint at {@value #PATH} (docs/transport-sockjs.md): the {@code /ws} protocol for
 * clients that cannot keep a plain WebSocket open. It authenticates like {@code /ws} (Bearer header,
 * {@code ?token=}, or the first {@code auth} frame) and hands each SockJS session to the session
 * layer through a {@link SockJSTransport}. SockJS keeps its sessions in a map shared by every
 * gateway instance of this node, so a polling client's requests may land on any event loop.
 */
public final class SockJSEndpoint implements Endpoint {
  public static final String PATH = "/sockjs";

  private final Vertx vertx;
  private final HeraldConfig config;
  private final SessionHub hub;

  public SockJSEndpoint(Vertx vertx, HeraldConfig config, SessionHub hub) {
    this.vertx = vertx;
    this.config = config;
    this.hub = hub;
  }

  @Override
  public void mount(Router router) {
    SockJsSupport.mountBefore(vertx, router, PATH, config, "for a plain WebSocket use " + config.wsPath);
    router.route(PATH + "/*").subRouter(SockJSHandler.create(vertx, SockJsSupport.options(config)).socketHandler(this::accept));
  }

  private void accept(SockJSSocket sock) {
    SockJSTransport transport = new SockJSTransport(vertx, sock, config.maxOutboundQueueBytes, config.sockjsSessionTimeoutMs);
    Admission.Verdict verdict = Admission.verdict(hub);
    if (!verdict.admitted()) {
      // No HTTP refusal here: the SockJS session is already open, so the client reads why.
      transport.write(ServerFrame.error(verdict.code(), verdict.message(), null));
      transport.close(verdict.closeCode(), verdict.closeReason());
      return;
    }
    QueryParams query = QueryParams.of(sock.uri());
    Session session = hub.open(transport);
    sock.handler(message -> session.onText(message.toString(StandardCharsets.UTF_8)));
    sock.closeHandler(v -> {
      transport.closed();
      session.onTransportClosed();
    });
    session.start(Admission.token(sock.headers(), query), Admission.resumeCursor(sock.headers(), query));
  }
}

package io.herald.test;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A TCP proxy on 127.0.0.1 between a client under test and a node, to drop connections from outside
 * the client: {@link #cut} closes every proxied connection (both sides see a normal close) and
 * holds new ones, unconnected, until {@link #resume}. The first bytes of every accepted connection
 * (an HTTP request head) are kept for the test to read.
 */
public final class TcpProxy implements AutoCloseable {
  private final Vertx vertx = TestSocket.vertx();
  private final int targetPort;
  private final NetServer server;
  private final NetClient client;
  private final List<NetSocket> open = new ArrayList<>();
  private final List<NetSocket> held = new ArrayList<>();
  private final LinkedBlockingQueue<String> heads = new LinkedBlockingQueue<>();
  private boolean holding;

  private TcpProxy(int targetPort) {
    this.targetPort = targetPort;
    this.client = vertx.createNetClient();
    this.server = vertx.createNetServer().connectHandler(this::accept);
  }

  /** Listens on a free port of 127.0.0.1, forwarding to 127.0.0.1:{@code targetPort}. */
  public static TcpProxy start(int targetPort) {
    TcpProxy proxy = new TcpProxy(targetPort);
    Await.result(proxy.server.listen(0, "127.0.0.1"));
    return proxy;
  }

  public int port() {
    return server.actualPort();
  }

  /** Closes every proxied connection and holds new ones until {@link #resume}. */
  public synchronized void cut() {
    holding = true;
    for (NetSocket s : open) {
      s.close();
    }
    open.clear();
  }

  /** Connects the held connections and every later one. */
  public synchronized void resume() {
    holding = false;
    for (NetSocket in : held) {
      forward(in);
    }
    held.clear();
  }

  /** The next request head (first bytes of an accepted connection) matching {@code p}, bounded. */
  public String awaitRequest(Predicate<String> p, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    try {
      while (System.nanoTime() < deadline) {
        String head = heads.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (head != null && p.test(head)) {
          return head;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new AssertionError("no request " + what + " reached the proxy within 20 s");
  }

  private synchronized void accept(NetSocket in) {
    in.pause(); // nothing is read until the connection is forwarded
    if (holding) {
      held.add(in);
    } else {
      forward(in);
    }
  }

  private void forward(NetSocket in) {
    client.connect(targetPort, "127.0.0.1").onComplete(ar -> {
      if (ar.failed()) {
        in.close();
        return;
      }
      NetSocket out = ar.result();
      synchronized (this) {
        if (holding) { // cut while connecting
          out.close();
          held.add(in);
          return;
        }
        open.add(in);
        open.add(out);
      }
      boolean[] first = {true};
      in.handler(b -> {
        if (first[0]) {
          first[0] = false;
          heads.add(b.toString());
        }
        out.write(b);
      });
      out.handler(in::write);
      in.closeHandler(v -> out.close());
      out.closeHandler(v -> in.close());
      in.resume();
    });
  }

  @Override
  public void close() {
    cut();
    Await.result(server.close());
    Await.result(client.close());
  }
}

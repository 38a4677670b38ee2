package io.herald.test;

import io.herald.HeraldNode;
import io.herald.config.ConfigLoader;
import io.herald.config.HeraldConfig;
import io.vertx.core.Future;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts real Herald nodes in this JVM for a test class: each class gets its own Hazelcast cluster
 * name and port range, so classes never join each other (or a node a developer is running).
 *
 * <p>A JUnit 5 extension: declare it as {@code @RegisterExtension static final TestNodes nodes = new
 * TestNodes();}, start nodes in {@code @BeforeAll} (or in a test), and every node it started is
 * stopped after the class. A test may also use one in try-with-resources.
 */
public final class TestNodes implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
  public static final String SECRET = "test-secret-0123456789-abcdefghijklmnop";

  private final String clusterName = "herald-test-" + UUID.randomUUID();
  // Below the kernel's ephemeral range (32768+), where free HTTP ports and client ports come from.
  private final int clusterPortBase = 20000 + ThreadLocalRandom.current().nextInt(0, 250) * 50;
  private final List<HeraldNode> nodes = new ArrayList<>();
  private String pgUrl;

  /** Starts a node with the test defaults plus {@code overrides} (dotted config keys). */
  public HeraldNode start(Map<String, Object> overrides) {
    for (int attempt = 1; ; attempt++) {
      try {
        HeraldNode node = Await.result(HeraldNode.start(config(overrides)));
        nodes.add(node);
        return node;
      } catch (AssertionError e) {
        // The free HTTP port picked for it can be taken by someone else before the node binds it.
        // NIO reports a BindException; the epoll transport a NativeIoException "bind(..) failed ...
        // Address already in use".
        boolean portTaken = (e.getCause() instanceof java.net.BindException
            || String.valueOf(e.getCause()).contains("Address already in use")) && !overrides.containsKey("http.port");
        if (!portTaken || attempt == 3) {
          throw e;
        }
      }
    }
  }

  public HeraldNode start() {
    return start(Map.of());
  }

  /** The configuration {@link #start} would use. */
  public HeraldConfig config(Map<String, Object> overrides) {
    Map<String, Object> o = new HashMap<>();
    o.put("http.host", "127.0.0.1");
    o.put("http.port", freePort());
    o.put("cluster.name", clusterName);
    o.put("cluster.port", clusterPortBase);
    o.put("cluster.members", List.of("127.0.0.1"));
    o.put("jwt.secret", SECRET);
    o.put("node.event-loops", 2);
    o.put("node.shutdown-grace-ms", 1000);
    o.put("node.drain-spread-ms", 0);
    if (!overrides.containsKey("pg.url")) {
      o.put("pg.url", pgUrl());
    }
    o.putAll(overrides);
    return ConfigLoader.load(Map.of(), Path.of("target/no-config-here"), o);
  }

  /** This cluster's database (one per TestNodes, in the JVM's shared embedded PostgreSQL). */
  public synchronized String pgUrl() {
    if (pgUrl == null) {
      pgUrl = SharedPostgres.newDatabase();
    }
    return pgUrl;
  }

  /**
   * Config for a short {@code ws.idle-timeout-ms}: every keep-alive interval (WebSocket ping, SSE
   * and SockJS heartbeats, Socket.IO ping) must stay below it, so they are set to a third of it.
   */
  public static Map<String, Object> idleTimeout(int ms) {
    int beat = Math.max(100, ms / 3);
    return Map.of("ws.idle-timeout-ms", ms, "ws.ping-interval-ms", beat, "sse.heartbeat-ms", beat,
        "sockjs.heartbeat-ms", beat, "socketio.ping-interval-ms", beat);
  }

  /** Cluster members for a non-Herald Vert.x instance that must join the same cluster. */
  public HeraldConfig producerConfig() {
    return config(Map.of());
  }

  /** Stops one node gracefully. */
  public void stop(HeraldNode node) {
    nodes.remove(node);
    Await.result(node.stop());
  }

  /** The class that registered this extension: its {@code @Nested} classes inherit it and must not stop the nodes. */
  private Class<?> owner;

  @Override
  public void beforeAll(ExtensionContext context) {
    if (owner == null) {
      owner = context.getRequiredTestClass();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (context.getRequiredTestClass() == owner) {
      close();
    }
  }

  @Override
  public void close() {
    List<Future<Void>> stops = new ArrayList<>();
    for (HeraldNode n : nodes) {
      stops.add(n.stop());
    }
    nodes.clear();
    Await.result(Future.join(stops));
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}

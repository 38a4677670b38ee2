package io.herald.bench;

import io.herald.test.TestNodes;
import io.herald.test.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Herald nodes in their own processes forming one Hazelcast cluster on loopback: one cluster name,
 * one PostgreSQL database (as a real cluster shares one), and cluster ports chosen up front so every
 * node lists every other as {@code 127.0.0.1:port}. One more port is kept for a bench JVM that joins
 * as an event-bus producer ({@link EventBusProducer}).
 */
final class HeraldCluster implements AutoCloseable {
  private static final int START_TIMEOUT_SECONDS = 120;

  final String label;
  final String clusterName = "herald-bench-" + UUID.randomUUID();
  private final List<Integer> clusterPorts;
  private final List<Map<String, String>> envs = new ArrayList<>();
  private final List<ServerProcess> nodes;
  private final Path logs;
  private final List<String> jvmOptions;

  private HeraldCluster(String label, int size, int maxConnectionsPerNode, String pgUrl, Path logs,
      List<String> jvmOptions) {
    this.label = label;
    this.logs = logs;
    this.jvmOptions = jvmOptions;
    this.clusterPorts = freeClusterPorts(size + 1);
    this.nodes = new ArrayList<>(java.util.Collections.nCopies(size, null));
    List<String> members = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      members.add("127.0.0.1:" + clusterPorts.get(i));
    }
    for (int i = 0; i < size; i++) {
      Map<String, String> env = new LinkedHashMap<>();
      env.put("HERALD_HTTP_HOST", "127.0.0.1");
      env.put("HERALD_CLUSTER_NAME", clusterName);
      env.put("HERALD_CLUSTER_PORT", Integer.toString(clusterPorts.get(i)));
      env.put("HERALD_CLUSTER_MEMBERS", String.join(",", members));
      env.put("HERALD_JWT_SECRET", TestNodes.SECRET);
      env.put("HERALD_PG_URL", pgUrl);
      env.put("HERALD_WS_IDLE_TIMEOUT_MS", "300000");
      // A user goes offline as soon as their socket closes, so a scenario's disconnections are
      // handled while the bench waits for the server to settle, not during the next scenario.
      env.put("HERALD_PRESENCE_GRACE_MS", "0");
      env.put("HERALD_LIMITS_MAX_CONNECTIONS_PER_NODE", Integer.toString(maxConnectionsPerNode));
      envs.add(env);
    }
  }

  /**
   * A cluster of {@code size} nodes, none started yet. {@code label} names the nodes' logs
   * ({@code label-1.log}, ...; a one-node cluster's log is {@code label.log}); {@code jvmOptions}
   * come after {@link ServerProcess#JVM_OPTIONS}.
   */
  static HeraldCluster plan(String label, int size, int maxConnectionsPerNode, String pgUrl, Path logs,
      List<String> jvmOptions) {
    return new HeraldCluster(label, size, maxConnectionsPerNode, pgUrl, logs, jvmOptions);
  }

  /** Starts node {@code index} and waits until it is ready. */
  ServerProcess start(int index) {
    launch(index).awaitReady(START_TIMEOUT_SECONDS);
    return nodes.get(index);
  }

  /**
   * Starts every node not started yet and waits until each is ready: the first node alone when none
   * runs yet (nodes that start at the same moment may each find no one and form separate clusters,
   * which Hazelcast merges only minutes later), then the others at once, joining it.
   */
  List<ServerProcess> startAll() {
    if (nodes().isEmpty()) {
      start(0);
    }
    List<ServerProcess> launched = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i) == null) {
        launched.add(launch(i));
      }
    }
    launched.forEach(n -> n.awaitReady(START_TIMEOUT_SECONDS));
    return nodes();
  }

  private ServerProcess launch(int index) {
    int port = TestNodes.freePort();
    Map<String, String> env = new LinkedHashMap<>(envs.get(index));
    env.put("HERALD_HTTP_PORT", Integer.toString(port));
    String name = nodes.size() == 1 ? label : label + "-" + (index + 1);
    ServerProcess node = ServerProcess.launch(name, true, port, ServerProcess.javaCommand(jvmOptions, "io.herald.Herald"), env,
        "ready:", logs, line -> { });
    nodes.set(index, node);
    return node;
  }

  ServerProcess node(int index) {
    return nodes.get(index);
  }

  /** The started nodes, in index order. */
  List<ServerProcess> nodes() {
    return nodes.stream().filter(n -> n != null).toList();
  }

  /** The Herald nodes' Hazelcast addresses, {@code 127.0.0.1:port}. */
  List<String> members() {
    List<String> members = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      members.add("127.0.0.1:" + clusterPorts.get(i));
    }
    return members;
  }

  /** The Hazelcast port kept for an event-bus producer member. */
  int producerPort() {
    return clusterPorts.get(nodes.size());
  }

  /**
   * Waits until every started node's {@code GET /api/gateway/stats} lists all started nodes (each
   * answers for its own connections only once it is in the cluster). Polls every 200 ms, at most
   * {@code timeoutMs}; fails naming the logs.
   */
  void awaitFormed(Vertx vertx, long timeoutMs) {
    List<ServerProcess> started = nodes();
    HttpClient http = vertx.createHttpClient();
    String auth = "Bearer " + Tokens.service();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    try {
      while (true) {
        boolean formed = true;
        for (ServerProcess node : started) {
          formed &= statsNodes(http, node.port, auth) == started.size();
        }
        if (formed) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the " + started.size() + " Herald nodes did not see each other within "
              + timeoutMs + " ms; see " + started.stream().map(n -> n.log().toAbsolutePath().toString()).toList());
        }
        vertx.timer(200).await();
      }
    } finally {
      http.close();
    }
  }

  private static int statsNodes(HttpClient http, int port, String auth) {
    try {
      return http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
              .setURI("/api/gateway/stats").putHeader("authorization", auth))
          .compose(req -> req.send())
          .compose(resp -> resp.body().map(b -> resp.statusCode() == 200 ? new JsonObject(b).getJsonArray("nodes").size() : 0))
          .await(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      return 0; // not answering yet
    }
  }

  /** Stops every node: all are signalled first, then each is waited for (bounded by ServerProcess.close). */
  @Override
  public void close() {
    List<ServerProcess> started = nodes();
    started.forEach(ServerProcess::signalStop);
    started.forEach(ServerProcess::close);
  }

  /**
   * {@code count} consecutive free ports below the ephemeral range (32768+), where the load
   * generator's own client ports come from; tried from a random base, at most 50 bases.
   */
  private static List<Integer> freeClusterPorts(int count) {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = 20_000 + ThreadLocalRandom.current().nextInt(0, 250) * 40;
      List<Integer> ports = new ArrayList<>();
      for (int p = base; p < base + count && isFree(p); p++) {
        ports.add(p);
      }
      if (ports.size() == count) {
        return ports;
      }
    }
    throw new IllegalStateException("no " + count + " consecutive free ports between 20000 and 30000 on 127.0.0.1");
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}

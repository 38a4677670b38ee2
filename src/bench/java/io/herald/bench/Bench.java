package io.herald.bench;

import io.herald.test.SharedPostgres;
import io.herald.test.TestNodes;
import io.herald.test.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code scripts/bench [quick|full|smoke] [scenario...]}: runs each scenario against Herald, the raw
 * Vert.x WebSocket server and Socket.IO 4 on Node, each server in its own process on loopback, and
 * writes a table to stdout and every figure to {@code target/bench/results.json}.
 *
 * <p>Herald runs in three shapes: one node (idle, fan-out, notifications, each publisher), two
 * clustered nodes (cross-node hop, two-node idle and fan-out) and many nodes (the scale idle run).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Herald load benchmark (loopback only)")
public final class Bench implements Callable<Integer> {
  @Parameters(index = "0", defaultValue = "quick", description = "quick, full or smoke")
  String mode;

  @Parameters(index = "1..*", description = "scenarios: idle, fanout, notify, crossnode, cluster, scale, storm "
      + "(default: quick runs idle fanout notify crossnode; full and smoke run all)")
  List<String> scenarios = new ArrayList<>();

  @Option(names = "--servers", split = ",", description = "herald, raw-vertx, socketio-node (default: all)")
  List<String> servers = new ArrayList<>();

  @Option(names = "--out", defaultValue = "target/bench", description = "output directory")
  Path out;

  @Option(names = "--jfr", description = "record a JFR of Herald during the REST fan-out half-rate run")
  boolean jfr;

  @Option(names = "--scale-nodes", description = "nodes of the scale run (default 5; 6 reaches 100k)")
  Integer scaleNodes;

  @Option(names = "--scale-per-node", description = "connections per node in the scale run (default: 100000 / nodes, "
      + "at most " + Settings.MAX_PER_NODE + ")")
  Integer scalePerNode;

  // User-id ranges, one per scenario, so no two runs share a user (and its stored notifications).
  private static final int FANOUT_USERS = 1_000_000;
  private static final int NOTIFY_USERS = 2_000_000;
  private static final int CLUSTER_USERS = 3_000_000;
  private static final int SCALE_USERS = 4_000_000;
  private static final int CROSSNODE_USERS = 5_000_000;

  private static final String NO_CLUSTER_RAW =
      "no cluster: the raw Vert.x ceiling is one process with in-memory rooms";
  private static final String NO_CLUSTER_SOCKETIO =
      "a Socket.IO cluster needs an adapter (the usual one is @socket.io/redis-adapter) and there is no Redis here";
  private static final String NOT_STORED = "not stored: each socket joins the room user:{id} on connect and the "
      + "bench publishes to it (POST /publish/user:{id}); the comparison servers have no storage";

  private Settings settings;
  private final List<JsonObject> results = new ArrayList<>();
  private final SourceAddresses sources = new SourceAddresses();
  /** Timers for the main thread's polling, status requests and the PostgreSQL baseline. */
  private Vertx control;
  private Path logs;
  private final long startNanos = System.nanoTime();

  public static void main(String[] args) {
    int code = new CommandLine(new Bench()).execute(args);
    System.exit(code);
  }

  /** Runs the bench in this JVM and returns results.json's content (the smoke test's entry point). */
  static JsonObject run(String... args) {
    Bench bench = new Bench();
    int code = new CommandLine(bench).execute(args);
    if (code != 0) {
      throw new IllegalStateException("bench exited with " + code);
    }
    return bench.document();
  }

  @Override
  public Integer call() throws Exception {
    try {
      settings = Settings.of(mode);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
    }
    int nodes = scaleNodes != null ? scaleNodes : settings.scaleNodes();
    int perNode = scalePerNode != null ? scalePerNode
        : scaleNodes != null ? Math.min(Settings.MAX_PER_NODE, (100_000 + nodes - 1) / nodes) : settings.scalePerNode();
    settings = settings.withScale(nodes, perNode);
    if (scenarios.isEmpty()) {
      scenarios = settings.scenarios();
    }
    for (String s : scenarios) {
      if (!Settings.ALL.contains(s)) {
        throw new CommandLine.ParameterException(new CommandLine(this), "unknown scenario " + s + " (" + Settings.ALL + ")");
      }
    }
    logs = out.resolve("logs");
    Files.createDirectories(logs);
    Tokens.service(); // creates the token signer's Vertx here, not on a load-generator event loop
    control = Vertx.vertx();
    try {
      for (ServerKind kind : List.of(ServerKind.HERALD, ServerKind.RAW_VERTX, ServerKind.SOCKETIO)) {
        if (servers.isEmpty() || servers.contains(kind.label)) {
          if (kind == ServerKind.HERALD) {
            herald();
          } else {
            comparison(kind);
          }
        }
      }
    } finally {
      control.close().await();
    }
    JsonObject doc = document();
    Files.writeString(out.resolve("results.json"), doc.encodePrettily());
    System.out.println(Table.render(results));
    System.out.println(Targets.render(doc.getJsonArray("targets")));
    System.out.println("results: " + out.resolve("results.json").toAbsolutePath());
    return 0;
  }

  private boolean has(String scenario) {
    return scenarios.contains(scenario);
  }

  // ---- the three servers ---------------------------------------------------------------------

  /**
   * Herald's one- and two-node scenarios share one cluster: its first node starts alone and serves
   * the one-node scenarios; the second joins it for the cross-node and two-node scenarios (one Herald
   * start fewer). The scale run has its own cluster.
   */
  private void herald() {
    boolean oneNode = has("idle") || has("fanout") || has("notify");
    boolean scaleOnTwo = has("scale") && settings.scaleNodes() == 2;
    boolean twoNodes = has("crossnode") || has("cluster") || scaleOnTwo;
    if (oneNode || twoNodes) {
      String pgUrl = SharedPostgres.newDatabase();
      JsonObject pgBaseline = null;
      if (has("notify")) {
        // Measured before Herald starts, on the same embedded PostgreSQL Herald will use.
        pgBaseline = PgInsertBaseline.run(control, SharedPostgres.newDatabase(), settings.pgBaselineMs());
        add("notify", "postgresql", null, 1, pgBaseline);
      }
      int size = twoNodes ? 2 : 1;
      int most = Math.max(settings.idleConnections(), twoNodes ? settings.clusterIdlePerNode() : 0);
      int maxConnections = Math.max(19_000, Math.max(most, scaleOnTwo ? settings.scalePerNode() : 0) + 100);
      try (HeraldCluster herald = HeraldCluster.plan("herald", size, maxConnections, pgUrl, logs,
          settings.extraJvmOptions())) {
        ServerProcess node = herald.start(0);
        if (oneNode) {
          heraldOneNode(herald, node, pgBaseline);
        }
        if (twoNodes) {
          heraldTwoNodes(herald, scaleOnTwo);
        }
      }
    }
    if (has("scale") && !scaleOnTwo) {
      heraldScale();
    }
    if (has("storm")) {
      heraldStorm();
    }
  }

  /** One node: idle, fan-out (REST, then the event bus) and notifications (REST, then the event bus). */
  private void heraldOneNode(HeraldCluster herald, ServerProcess node, JsonObject pgBaseline) {
    List<ServerProcess> nodes = List.of(node);
    if (has("idle")) {
      idle("idle", ServerKind.HERALD, nodes, settings.idleConnections(), 0, settings.connectTimeoutMs(), null);
      idleDeflate(node);
    }
    if (!has("fanout") && !has("notify")) {
      return;
    }
    try (EventBusProducer producer = EventBusProducer.join(herald, control, 60_000)) {
      if (has("fanout")) {
        for (int i = 0; i < settings.roomSizes().size(); i++) {
          int k = settings.roomSizes().get(i);
          List<PublisherFactory> publishers = new ArrayList<>();
          publishers.add(rest(node, ServerKind.HERALD));
          if (i == 0) {
            publishers.add(eventBus(producer));
          }
          fanout("fanout-" + k, ServerKind.HERALD, nodes, List.of(new LoadClient.Slice(node.port, FANOUT_USERS, k)),
              publishers, jfr ? out.resolve("herald-fanout-" + k + ".jfr") : null);
        }
        memberKinds(node);
      }
      if (has("notify")) {
        notify(ServerKind.HERALD, node, pgBaseline, List.of(rest(node, ServerKind.HERALD), eventBus(producer)));
        notifyBacklog(node);
      }
    }
  }

  /** Two clustered nodes: the cross-node hop, then idle and fan-out across both (and, in smoke, the scale run). */
  private void heraldTwoNodes(HeraldCluster two, boolean scaleToo) {
    if (has("crossnode")) {
      crossNode(two);
    }
    two.startAll();
    two.awaitFormed(control, 60_000);
    List<ServerProcess> nodes = two.nodes();
    if (has("cluster")) {
      idle("idle-2nodes", ServerKind.HERALD, nodes, settings.clusterIdlePerNode(), CLUSTER_USERS,
          settings.connectTimeoutMs(), null);
      int k = settings.clusterRoomSize();
      List<LoadClient.Slice> halves = List.of(new LoadClient.Slice(nodes.get(0).port, CLUSTER_USERS, k / 2),
          new LoadClient.Slice(nodes.get(1).port, CLUSTER_USERS + k / 2, k - k / 2));
      fanout("fanout-" + k + "-2nodes", ServerKind.HERALD, nodes, halves,
          List.of(rest(nodes.get(0), ServerKind.HERALD)), null);
    }
    if (scaleToo) {
      idle("idle-scale", ServerKind.HERALD, nodes, settings.scalePerNode(), SCALE_USERS,
          settings.scaleConnectTimeoutMs(), scaleNote());
    }
  }

  /** The many-node idle run (full: 5 nodes x 19,500). */
  private void heraldScale() {
    int n = settings.scaleNodes();
    int maxConnections = Math.max(19_000, settings.scalePerNode() + 100);
    try (HeraldCluster many = HeraldCluster.plan("herald-" + n + "nodes", n, maxConnections,
        SharedPostgres.newDatabase(), logs, settings.extraJvmOptions())) {
      List<ServerProcess> nodes = many.startAll();
      many.awaitFormed(control, 120_000);
      idle("idle-scale", ServerKind.HERALD, nodes, settings.scalePerNode(), SCALE_USERS,
          settings.scaleConnectTimeoutMs(), scaleNote());
    }
  }

  /** Users of the storm, apart from the other runs' so that presence starts empty. */
  private static final int STORM_USERS = 9_000_000;
  private static final int STORM_NODES = 3;

  /**
   * The reconnect storm: three nodes holding {@code stormPerNode} connections each; the third is
   * killed (SIGKILL) and its clients reconnect by themselves to the two others, with the back-off
   * Herald documents, while one stored notification per such client is published (REST, on the
   * nodes still up). Reports the time until every one of them is connected again and has its
   * notification, and until presence lists exactly the users connected. Also the cluster's connect
   * rate, for comparison with one node's.
   */
  private void heraldStorm() {
    int per = settings.stormPerNode();
    int total = per * STORM_NODES;
    JsonObject f = new JsonObject().put("nodes", STORM_NODES).put("perNode", per).put("requested", total)
        .put("backoff", "random delay in [0, min(30 s, 1 s x 2^attempt)]; to a random node still up");
    try (HeraldCluster three = HeraldCluster.plan("herald-storm", STORM_NODES, Math.max(19_000, total), SharedPostgres.newDatabase(),
            logs, settings.extraJvmOptions());
        StormClient client = new StormClient(sources.forConnections(total + per))) {
      List<ServerProcess> nodes = three.startAll();
      three.awaitFormed(control, 120_000);
      f.put("settleMs", settle(nodes));
      List<StormClient.Member> all = new ArrayList<>();
      List<StormClient.Member> victims = new ArrayList<>();
      List<String> users = new ArrayList<>();
      for (int i = 0; i < STORM_NODES; i++) {
        for (int j = 0; j < per; j++) {
          String user = "u" + (STORM_USERS + i * per + j);
          StormClient.Member m = client.member(user, nodes.get(i).port);
          all.add(m);
          users.add(user);
          if (i == STORM_NODES - 1) {
            victims.add(m);
          }
        }
      }
      client.alivePorts(nodes.stream().map(n -> n.port).toList());
      long cpuBefore = ServerProcess.cpuNanos(nodes);
      long start = System.nanoTime();
      int opened = client.connectAll(all, settings.connectConcurrency()).await(settings.scaleConnectTimeoutMs(), TimeUnit.MILLISECONDS);
      long connectNanos = System.nanoTime() - start;
      connectCpu(f, nodes, cpuBefore, opened);
      f.put("opened", opened).put("connectSeconds", connectNanos / 1e9).put("connectsPerSecond", opened / (connectNanos / 1e9));
      ServerProcess survivor = nodes.get(0);
      Set<String> expected = new HashSet<>(users);
      f.put("presenceExactBeforeMs", awaitPresence(survivor, expected, System.nanoTime(), settings.stormTimeoutMs()));

      ServerProcess victim = nodes.get(STORM_NODES - 1);
      List<ServerProcess> up = nodes.subList(0, STORM_NODES - 1);
      client.alivePorts(up.stream().map(n -> n.port).toList());
      client.resetReconnected(victims);
      long killedAt = System.nanoTime();
      victim.kill();
      System.out.printf(Locale.ROOT, "storm: killed %s holding %d clients; publishing one stored notification to each%n",
          victim.name, victims.size());
      int[] published = publishMissed(client.vertx(), up, victims);
      long deadline = killedAt + TimeUnit.MILLISECONDS.toNanos(settings.stormTimeoutMs());
      while (System.nanoTime() < deadline
          && !victims.stream().allMatch(m -> m.open && m.reconnectedAt > 0 && m.notifications.get() >= 1)) {
        control.timer(100).await();
      }
      long reconnected = victims.stream().filter(m -> m.reconnectedAt > 0).count();
      long caughtUp = victims.stream().filter(m -> m.notifications.get() >= 1).count();
      long lastReconnect = victims.stream().mapToLong(m -> m.reconnectedAt).max().orElse(killedAt);
      long lastNotification = victims.stream().mapToLong(m -> m.firstNotificationAt).max().orElse(killedAt);
      boolean all_ = reconnected == victims.size() && caughtUp == victims.size();
      f.put("killed", victim.name).put("clientsOfKilledNode", victims.size())
          .put("reconnected", reconnected).put("caughtUp", caughtUp)
          .put("published", published[0]).put("accepted", published[1]).put("publishFailed", published[2])
          .put("lost", published[1] - caughtUp)
          .put("duplicates", client.duplicates())
          .put("reconnectAttempts", client.reconnectAttempts()).put("refusedAttempts", client.refusedAttempts())
          .put("allReconnectedMs", all_ ? (lastReconnect - killedAt) / 1e6 : null)
          .put("allCaughtUpMs", all_ ? (Math.max(lastReconnect, lastNotification) - killedAt) / 1e6 : null)
          .put("presenceExactMs", all_ ? awaitPresence(survivor, expected, killedAt, settings.stormTimeoutMs()) : null)
          .put("timedOut", !all_);
    } catch (java.util.concurrent.TimeoutException e) {
      f.put("error", "the storm's first connects did not finish in " + settings.scaleConnectTimeoutMs() + " ms");
    }
    add("storm", ServerKind.HERALD.label, null, STORM_NODES, f);
  }

  /**
   * One stored notification per client of the killed node, over REST to the nodes still up (64 in
   * flight); answers {published, accepted (202), failed}.
   */
  private int[] publishMissed(Vertx vertx, List<ServerProcess> up, List<StormClient.Member> victims) {
    io.vertx.core.http.HttpClient http = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions(),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(32));
    int[] counts = new int[3];
    try {
      java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(64);
      java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(victims.size());
      String auth = ServerKind.HERALD.publishAuthorization();
      for (int i = 0; i < victims.size(); i++) {
        inFlight.acquireUninterruptibly();
        ServerProcess node = up.get(i % up.size());
        String body = new JsonObject().put("userId", victims.get(i).user).put("type", "info").put("title", "while you were away")
            .put("message", "storm").encode();
        http.request(new io.vertx.core.http.RequestOptions().setMethod(io.vertx.core.http.HttpMethod.POST)
                .setHost("127.0.0.1").setPort(node.port).setURI("/api/notifications")
                .putHeader("content-type", "application/json").putHeader("authorization", auth))
            .compose(r -> r.send(body))
            .onComplete(ar -> {
              synchronized (counts) {
                counts[0]++;
                if (ar.succeeded() && ar.result().statusCode() == 202) {
                  counts[1]++;
                } else {
                  counts[2]++;
                }
              }
              inFlight.release();
              done.countDown();
            });
      }
      done.await(settings.stormTimeoutMs(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      http.close();
    }
    synchronized (counts) {
      return counts.clone();
    }
  }

  /**
   * Polls {@code GET /api/gateway/connected} on {@code node} every 200 ms until it lists exactly
   * {@code expected}; the milliseconds from {@code fromNanos}, or null when it did not within
   * {@code timeoutMs}.
   */
  private Double awaitPresence(ServerProcess node, Set<String> expected, long fromNanos, long timeoutMs) {
    io.vertx.core.http.HttpClient http = control.createHttpClient();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    try {
      while (System.nanoTime() < deadline) {
        try {
          JsonObject answer = http.request(new io.vertx.core.http.RequestOptions().setMethod(io.vertx.core.http.HttpMethod.GET)
                  .setHost("127.0.0.1").setPort(node.port).setURI("/api/gateway/connected")
                  .putHeader("authorization", ServerKind.HERALD.publishAuthorization()))
              .compose(r -> r.send().compose(resp -> resp.body()))
              .map(b -> new JsonObject(b))
              .await(10, TimeUnit.SECONDS);
          Set<String> online = new HashSet<>();
          answer.getJsonArray("connectedUsers").forEach(u -> online.add((String) u));
          if (online.equals(expected)) {
            return (System.nanoTime() - fromNanos) / 1e6;
          }
        } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
          // not answering now: poll again
        }
        control.timer(200).await();
      }
      return null;
    } finally {
      http.close();
    }
  }

  private JsonObject scaleNote() {
    int n = settings.scaleNodes();
    int per = settings.scalePerNode();
    String note = "the issue asks for 100,000 across five nodes = 20,000 per node, but a process here may open at most "
        + "20,000 files (hard limit, ulimit -Hn) and a Herald node also needs ~250 files besides its sockets (jars, "
        + "epoll, Hazelcast and PostgreSQL connections), so a node holds at most " + Settings.MAX_PER_NODE
        + ". This run: " + n + " x " + per + " = " + n * per + "; --scale-nodes 6 runs 6 x 16,667 = 100,002.";
    return new JsonObject().put("note", note).put("fileLimitPerProcess", 20_000);
  }

  /** Raw Vert.x or Socket.IO: one process; the cluster scenarios are recorded as not applicable. */
  private void comparison(ServerKind kind) {
    if (has("idle") || has("fanout") || has("notify")) {
      try (ServerProcess server = startComparison(kind)) {
        List<ServerProcess> nodes = List.of(server);
        if (has("idle")) {
          idle("idle", kind, nodes, settings.idleConnections(), 0, settings.connectTimeoutMs(), null);
        }
        if (has("fanout")) {
          for (int k : settings.roomSizes()) {
            fanout("fanout-" + k, kind, nodes, List.of(new LoadClient.Slice(server.port, FANOUT_USERS, k)),
                List.of(rest(server, kind)), null);
          }
        }
        if (has("notify")) {
          notify(kind, server, null, List.of(rest(server, kind)));
        }
      }
    }
    String reason = kind == ServerKind.RAW_VERTX ? NO_CLUSTER_RAW : NO_CLUSTER_SOCKETIO;
    if (has("crossnode")) {
      notApplicable("crossnode", kind, reason);
    }
    if (has("cluster")) {
      notApplicable("idle-2nodes", kind, reason);
      notApplicable("fanout-" + settings.clusterRoomSize() + "-2nodes", kind, reason);
    }
    if (has("scale")) {
      notApplicable("idle-scale", kind, reason);
    }
    if (has("storm")) {
      notApplicable("storm", kind, reason);
    }
  }

  private ServerProcess startComparison(ServerKind kind) {
    int port = TestNodes.freePort();
    return switch (kind) {
      case RAW_VERTX -> ServerProcess.start(kind.label, true, port, ServerProcess.javaCommand(
          settings.extraJvmOptions(), RawWsServer.class.getName(), Integer.toString(port)), Map.of(), "ready:", logs, 30);
      case SOCKETIO -> ServerProcess.start(kind.label, false, port,
          List.of("node", "--expose-gc", "--max-old-space-size=1024", "src/test/js/bench/socketio-server.js",
              Integer.toString(port)), Map.of(), "\"ready\":true", logs, 30);
      default -> throw new IllegalArgumentException("Herald starts as a HeraldCluster");
    };
  }

  /** Makes a scenario's publisher once its members are connected. */
  @FunctionalInterface
  private interface PublisherFactory {
    Publisher create(LoadClient members, Target target);
  }

  /** HTTP to {@code server}, on the members' Vert.x (as this bench has always published). */
  private static PublisherFactory rest(ServerProcess server, ServerKind kind) {
    return (members, target) -> Publisher.rest(members.vertx(), kind, server.port, target);
  }

  private static PublisherFactory eventBus(EventBusProducer producer) {
    return (members, target) -> Publisher.eventBus(producer.vertx(), target);
  }

  // ---- the scenarios -------------------------------------------------------------------------

  /**
   * Scenario 1: {@code perNode} idle (authenticated, for Herald) connections on each node; connect
   * rate and live memory per connection (summed over the nodes). Held by this JVM, or by load-worker
   * processes when there are more than {@code maxInProcessConnections}.
   */
  /**
   * Opens and closes a tenth of an idle run's connections (at most 2,000) before it is measured, on
   * every server alike: a freshly started server otherwise spends most of its first seconds in the
   * JIT compiler (44% of Herald's CPU while connecting, profiled), which is not a cost per
   * connection. Returns how many were opened.
   */
  private int warmUpConnections(ServerKind kind, List<ServerProcess> nodes, int n, long timeoutMs) {
    int per = Math.min(2000, n / 10) / nodes.size();
    if (per == 0) {
      return 0;
    }
    List<LoadClient.Slice> slices = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      slices.add(new LoadClient.Slice(nodes.get(i).port, WARMUP_USERS + i * per, per));
    }
    try (LoadClient load = new LoadClient(sources.forConnections(per * nodes.size()))) {
      return load.connect(kind, slices, null, false, settings.connectConcurrency(), timeoutMs).opened();
    }
  }

  /** Warm-up connections use users of their own, so the measured run's users start offline. */
  private static final int WARMUP_USERS = 9_000_000;

  private void idle(String scenario, ServerKind kind, List<ServerProcess> nodes, int perNode, int firstUser,
      long timeoutMs, JsonObject extra) {
    int n = perNode * nodes.size();
    int warmup = warmUpConnections(kind, nodes, n, timeoutMs);
    long settleMs = settle(nodes);
    List<LoadClient.Slice> slices = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      slices.add(new LoadClient.Slice(nodes.get(i).port, firstUser + i * perNode, perNode));
    }
    long[] liveBefore = new long[nodes.size()];
    long[] rssBefore = new long[nodes.size()];
    for (int i = 0; i < nodes.size(); i++) {
      liveBefore[i] = nodes.get(i).liveBytes();
      rssBefore[i] = nodes.get(i).rssBytes();
    }
    JsonObject f = new JsonObject().put("requested", n).put("nodes", nodes.size()).put("perNode", perNode)
        .put("settleMs", settleMs).put("warmupConnections", warmup);
    long cpuBefore = ServerProcess.cpuNanos(nodes);
    if (n <= settings.maxInProcessConnections()) {
      try (LoadClient load = new LoadClient(sources.forConnections(n))) {
        LoadClient.ConnectResult c = load.connect(kind, slices, null, false, settings.connectConcurrency(), timeoutMs);
        connectCpu(f, nodes, cpuBefore, c.opened());
        f.put("opened", c.opened()).put("failed", c.failed()).put("loadWorkers", 0)
            .put("sourceAddresses", load.sourceAddresses().size())
            .put("connectSeconds", c.elapsedNanos() / 1e9).put("connectsPerSecond", c.ratePerSecond());
        memory(f, nodes, liveBefore, rssBefore, c.opened());
      }
    } else {
      System.out.printf(Locale.ROOT, "%s %s: %d connections over %d node(s), held by load workers...%n", scenario,
          kind.label, n, nodes.size());
      try (LoadWorkers workers = LoadWorkers.start("worker-" + kind.label + "-" + scenario, kind, slices,
          settings.connectionsPerWorker(), sources, settings.connectConcurrency(), timeoutMs, logs,
          settings.extraJvmOptions())) {
        LoadWorkers.Result c = workers.connect(control, timeoutMs);
        connectCpu(f, nodes, cpuBefore, c.opened());
        f.put("opened", c.opened()).put("failed", c.failed()).put("loadWorkers", c.workers())
            .put("sourceAddresses", c.workers())
            .put("connectSeconds", c.elapsedNanos() / 1e9).put("connectsPerSecond", c.ratePerSecond());
        memory(f, nodes, liveBefore, rssBefore, c.opened());
      }
    }
    if (extra != null) {
      f.mergeIn(extra);
    }
    add(scenario, kind.label, null, nodes.size(), f);
  }

  /**
   * Scenario 1b, {@code idle-deflate}: idle connections that negotiated permessage-deflate, each of
   * which then sent one compressed message (a ping: the Vert.x client compresses everything) and
   * received one compressed 2 KB broadcast, measured like {@code idle}: what compression leaves
   * behind on an idle connection (in process only, at most {@code maxInProcessConnections}).
   */
  private void idleDeflate(ServerProcess node) {
    int n = Math.min(settings.idleConnections(), settings.maxInProcessConnections());
    List<ServerProcess> nodes = List.of(node);
    long settleMs = settle(nodes);
    long[] liveBefore = {node.liveBytes()};
    long[] rssBefore = {node.rssBytes()};
    JsonObject f = new JsonObject().put("requested", n).put("nodes", 1).put("perNode", n).put("settleMs", settleMs)
        .put("compression", "permessage-deflate; one compressed ping sent, one compressed 2 KB broadcast received");
    long cpuBefore = ServerProcess.cpuNanos(nodes);
    try (LoadClient load = new LoadClient(sources.forConnections(n), true)) {
      LoadClient.ConnectResult c = load.connect(ServerKind.HERALD, List.of(new LoadClient.Slice(node.port, IDLE_DEFLATE_USERS, n)),
          null, false, settings.connectConcurrency(), settings.connectTimeoutMs());
      connectCpu(f, nodes, cpuBefore, c.opened());
      load.sendToAll("{\"event\":\"ping\"}");
      String pad = "p".repeat(2048);
      io.vertx.core.http.HttpClient http = load.vertx().createHttpClient();
      try {
        http.request(new io.vertx.core.http.RequestOptions().setMethod(io.vertx.core.http.HttpMethod.POST)
                .setHost("127.0.0.1").setPort(node.port).setURI("/api/broadcast")
                .putHeader("content-type", "application/json")
                .putHeader("authorization", ServerKind.HERALD.publishAuthorization()))
            .compose(r -> r.send(new JsonObject().put("event", "bench")
                .put("data", new JsonObject().put("t", System.nanoTime()).put("pad", pad)).encode()))
            .await(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        throw new IllegalStateException("the broadcast did not answer in 30 s", e);
      }
      long got = load.awaitReceived(c.opened(), 2000, 60_000);
      f.put("opened", c.opened()).put("failed", c.failed()).put("received", got)
          .put("connectSeconds", c.elapsedNanos() / 1e9).put("connectsPerSecond", c.ratePerSecond());
      memory(f, nodes, liveBefore, rssBefore, c.opened());
    }
    add("idle-deflate", ServerKind.HERALD.label, null, 1, f);
  }

  /** Users of the compressed idle run, apart from the other runs' so that presence starts empty. */
  private static final int IDLE_DEFLATE_USERS = 8_000_000;

  /** The servers' CPU time spent while the connections opened, and per connection. */
  private static void connectCpu(JsonObject f, List<ServerProcess> nodes, long cpuBefore, int opened) {
    long cpu = ServerProcess.cpuNanos(nodes) - cpuBefore;
    f.put("serverCpuMsDuringConnect", cpu / 1e6).put("serverCpuMicrosPerConnection", cpu / 1e3 / Math.max(1, opened));
  }

  private static void memory(JsonObject f, List<ServerProcess> nodes, long[] liveBefore, long[] rssBefore, int opened) {
    long before = 0;
    long after = 0;
    long rss = 0;
    JsonArray perNode = new JsonArray();
    for (int i = 0; i < nodes.size(); i++) {
      long live = nodes.get(i).liveBytes();
      long rssNow = nodes.get(i).rssBytes();
      before += liveBefore[i];
      after += live;
      rss += rssNow - rssBefore[i];
      perNode.add(new JsonObject().put("liveBytesBefore", liveBefore[i]).put("liveBytesAfter", live)
          .put("rssBytesBefore", rssBefore[i]).put("rssBytesAfter", rssNow));
    }
    int divisor = Math.max(1, opened);
    f.put("liveBytesBefore", before).put("liveBytesAfter", after)
        .put("liveBytesPerConnection", (after - before) / divisor).put("rssBytesPerConnection", rss / divisor);
    if (nodes.size() > 1) {
      f.put("perNodeMemory", perNode);
    }
  }

  /**
   * Scenario 2: one room of {@code k} members (the slices say on which nodes); for each publisher in
   * turn, publish at increasing rates until a step is not sustained, then latency and CPU per
   * delivery at half the best rate. The same members serve every publisher.
   */
  private void fanout(String scenario, ServerKind kind, List<ServerProcess> nodes, List<LoadClient.Slice> slices,
      List<PublisherFactory> publishers, Path jfrFile) {
    fanout(scenario, kind, nodes, slices, publishers, jfrFile, false);
  }

  /** {@code broadcast}: the members join no room and every publish is a broadcast (Herald only). */
  private void fanout(String scenario, ServerKind kind, List<ServerProcess> nodes, List<LoadClient.Slice> slices,
      List<PublisherFactory> publishers, Path jfrFile, boolean broadcast) {
    int k = slices.stream().mapToInt(LoadClient.Slice::count).sum();
    String room = broadcast ? null : "bench:" + scenario;
    boolean first = true;
    for (PublisherFactory make : publishers) {
      // Fresh members for each publisher: an overloaded step can make Herald close members whose
      // outbound queue filled up (1008), and the next ramp must not start with fewer.
      long settleMs = settle(nodes);
      try (LoadClient load = new LoadClient(sources.forConnections(k))) {
        LoadClient.ConnectResult c = load.connect(kind, slices, room, false, settings.connectConcurrency(),
            settings.connectTimeoutMs());
        Target target = broadcast ? new Target.Broadcast(c.opened()) : new Target.Room(room, c.opened());
        try (Publisher publisher = make.create(load, target)) {
          JsonObject warmup = warmUp(nodes, load, publisher, settings.publishRates());
          JsonObject f = Ramp.run(nodes, load, publisher, settings.publishRates(), settings.refineSteps(), settings.stepMs(),
              settings.halfRateMs(), first ? jfrFile : null);
          f.put("warmup", warmup).put("members", k).put("membersOpened", c.opened()).put("settleMs", settleMs)
              .put("membersClosedByServer", load.closedByServer());
          if (nodes.size() > 1) {
            f.put("membersPerNode", new JsonArray(slices.stream().map(LoadClient.Slice::count).toList()))
                .put("publishedTo", "node 1");
          }
          add(scenario, kind.label, publisher.label, nodes.size(), f);
        }
        first = false;
      }
    }
  }

  /**
   * The fan-out by member kind, on the first room size, REST publisher: Socket.IO members in a room
   * (beside the /ws row of the same scenario), then /ws and SSE members reached by a broadcast (SSE
   * members cannot join rooms). Each row's CPU per delivery compares the transports' cost of the
   * same delivery.
   */
  private void memberKinds(ServerProcess node) {
    List<ServerProcess> nodes = List.of(node);
    int k = settings.roomSizes().get(0);
    List<LoadClient.Slice> slices = List.of(new LoadClient.Slice(node.port, FANOUT_USERS, k));
    fanout("fanout-" + k, ServerKind.HERALD_SOCKETIO, nodes, slices, List.of(rest(node, ServerKind.HERALD_SOCKETIO)), null);
    for (ServerKind kind : List.of(ServerKind.HERALD, ServerKind.HERALD_SSE)) {
      fanout("fanout-broadcast-" + k, kind, nodes, slices, List.of(rest(node, kind)), null, true);
    }
  }

  /**
   * One unrecorded step (one step length, at least 1.5 s, at the ramp's first rate) before a ramp, on every server
   * alike, so the ramp measures compiled code: a fresh Herald JVM was still spending 60% of its CPU in
   * the JIT compiler during the notification ramp (profiled), which is not a cost per delivery. The
   * first rate, so that every server keeps up with it and no backlog reaches the first step.
   */
  private JsonObject warmUp(List<ServerProcess> nodes, LoadClient load, Publisher publisher, List<Integer> rates) {
    int rate = rates.get(0);
    long ms = Math.max(1500, settings.stepMs());
    JsonObject step = Ramp.step(nodes, load, publisher, rate, ms);
    return new JsonObject().put("publishRate", rate).put("ms", ms)
        .put("lossless", step.getBoolean("lossless"));
  }

  /**
   * Scenario 3: {@code notifyUsers} users, one socket each; for each publisher in turn, one message
   * per user in turn at increasing rates (Herald: {@code POST /api/notifications} or
   * {@code herald.notify.user}, stored then delivered), then latency at half the best rate. Herald's
   * best rate is set beside the plain PostgreSQL insert rate.
   */
  private void notify(ServerKind kind, ServerProcess server, JsonObject pgBaseline,
      List<PublisherFactory> publishers) {
    long settleMs = settle(List.of(server));
    int m = settings.notifyUsers();
    try (LoadClient load = new LoadClient(sources.forConnections(m))) {
      LoadClient.ConnectResult c = load.connect(kind, List.of(new LoadClient.Slice(server.port, NOTIFY_USERS, m)),
          null, true, settings.connectConcurrency(), settings.connectTimeoutMs());
      Target target = new Target.Users(NOTIFY_USERS, Math.max(1, c.opened()));
      for (PublisherFactory make : publishers) {
        try (Publisher publisher = make.create(load, target)) {
          JsonObject warmup = warmUp(List.of(server), load, publisher, settings.notifyRates());
          JsonObject f = Ramp.run(List.of(server), load, publisher, settings.notifyRates(), settings.refineSteps(),
              settings.stepMs(),
              settings.halfRateMs(), null);
          f.put("warmup", warmup).put("users", m).put("usersOpened", c.opened()).put("stored", kind.stores()).put("settleMs", settleMs);
          if (!kind.stores()) {
            f.put("note", NOT_STORED);
          } else if (pgBaseline != null) {
            double pg = pgBaseline.getDouble("insertsPerSecond");
            f.put("pgInsertsPerSecond", pg).put("ratioToPgInsertRate", f.getDouble("maxLosslessDeliveredPerSecond") / pg);
          }
          add("notify", kind.label, publisher.label, 1, f);
        }
      }
    }
  }

  /** Unread backlogs the {@code notify-backlog} row compares (issue #15: flat from 0 to 1,000). */
  static final List<Integer> BACKLOGS = List.of(0, 1000);

  /**
   * The {@code notify-backlog} row: the same stored notification, sent over REST to a user with no
   * unread notification and to one given 1,000 first, alternately (so JIT warm-up and machine noise
   * fall on both alike), one at a time, timing each request (202 included: the insert, the kept
   * unread count and the routing). The unread count is kept, not counted, so the two should cost
   * the same. The users have no socket.
   */
  private void notifyBacklog(ServerProcess node) {
    int samples = settings.backlogSamples();
    JsonObject f = new JsonObject().put("samples", samples).put("settleMs", settle(List.of(node)));
    io.vertx.core.http.HttpClient http = control.createHttpClient(new io.vertx.core.http.HttpClientOptions(),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));
    JsonArray runs = new JsonArray();
    try {
      List<String> users = new ArrayList<>();
      for (int backlog : BACKLOGS) {
        String user = "backlog-" + backlog + "-" + System.nanoTime();
        users.add(user);
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(64);
        List<Future<?>> filling = new ArrayList<>();
        for (int i = 0; i < backlog; i++) {
          inFlight.acquireUninterruptibly();
          filling.add(postNotification(http, node, user).andThen(ar -> inFlight.release()));
        }
        Future.all(filling).await(settings.connectTimeoutMs(), TimeUnit.MILLISECONDS);
      }
      int warmup = Math.min(50, samples);
      long[][] micros = new long[users.size()][samples];
      long cpuBefore = 0;
      for (int i = -warmup; i < samples; i++) {
        if (i == 0) {
          cpuBefore = node.cpuNanos();
        }
        for (int u = 0; u < users.size(); u++) {
          long start = System.nanoTime();
          postNotification(http, node, users.get(u)).await(30, TimeUnit.SECONDS);
          if (i >= 0) {
            micros[u][i] = (System.nanoTime() - start) / 1000;
          }
        }
      }
      long cpu = node.cpuNanos() - cpuBefore;
      for (int u = 0; u < users.size(); u++) {
        long[] m = micros[u];
        java.util.Arrays.sort(m);
        runs.add(new JsonObject().put("unreadBefore", BACKLOGS.get(u) + warmup)
            .put("meanMicros", java.util.Arrays.stream(m).average().orElse(0))
            .put("p50Micros", m[samples / 2]).put("p99Micros", m[(int) (samples * 0.99)]));
      }
      f.put("runs", runs).put("serverCpuMicrosPerNotification", cpu / 1e3 / (samples * users.size()))
          .put("meanRatio", runs.getJsonObject(1).getDouble("meanMicros") / runs.getJsonObject(0).getDouble("meanMicros"));
    } catch (java.util.concurrent.TimeoutException e) {
      f.put("error", "a stored notification was not answered in time");
    } finally {
      http.close();
    }
    add("notify-backlog", ServerKind.HERALD.label, "rest", 1, f);
  }

  /** One stored notification over REST; fails unless answered 202. */
  private static Future<Void> postNotification(io.vertx.core.http.HttpClient http, ServerProcess node, String user) {
    String body = new JsonObject().put("userId", user).put("type", "info").put("title", "backlog").put("message", "m").encode();
    return http.request(new io.vertx.core.http.RequestOptions().setMethod(io.vertx.core.http.HttpMethod.POST)
            .setHost("127.0.0.1").setPort(node.port).setURI("/api/notifications")
            .putHeader("content-type", "application/json").putHeader("authorization", ServerKind.HERALD.publishAuthorization()))
        .compose(r -> r.send(body))
        .compose(resp -> resp.statusCode() == 202 ? Future.<Void>succeededFuture()
            : Future.failedFuture("POST /api/notifications answered " + resp.statusCode()));
  }

  /**
   * Scenario 4: members on node B (the cluster's first node, started and alone). First B alone (no
   * hop); then node A (the second) joins and the same members get the same rate published on A
   * (every delivery crosses the cluster), then on B again (B is now clustered; a REST request is
   * routed on the node that took it, so these stay on B).
   */
  private void crossNode(HeraldCluster two) {
    ServerProcess b = two.node(0);
    long settleMs = settle(List.of(b));
    int k = settings.crossNodeMembers();
    int rate = settings.crossNodeRate();
    long ms = settings.crossNodeMs();
    long warmMs = Math.min(1000, ms);
    String room = "bench:crossnode";
    try (LoadClient load = new LoadClient(sources.forConnections(k))) {
      LoadClient.ConnectResult c = load.connect(ServerKind.HERALD, b.port, CROSSNODE_USERS, k, room,
          settings.connectConcurrency(), settings.connectTimeoutMs());
      Target target = new Target.Room(room, c.opened());
      try (Publisher onB = Publisher.rest(load.vertx(), ServerKind.HERALD, b.port, target)) {
        Ramp.step(List.of(b), load, onB, rate, warmMs);
        JsonObject single = Ramp.step(List.of(b), load, onB, rate, ms);
        ServerProcess a = two.start(1);
        two.awaitFormed(control, 60_000);
        settle(two.nodes());
        try (Publisher onA = Publisher.rest(load.vertx(), ServerKind.HERALD, a.port, target)) {
          Ramp.step(two.nodes(), load, onA, rate, warmMs); // opens the event-bus connections between the nodes
          JsonObject hop = Ramp.step(two.nodes(), load, onA, rate, ms);
          JsonObject sameNode = Ramp.step(two.nodes(), load, onB, rate, ms);
          JsonObject added = new JsonObject();
          for (String p : List.of("p50", "p99", "p999")) {
            added.put(p, hop.getJsonObject("latencyMicros").getDouble(p) - single.getJsonObject("latencyMicros").getDouble(p));
          }
          add("crossnode", ServerKind.HERALD.label, "rest", 2, new JsonObject()
              .put("members", k).put("membersOpened", c.opened()).put("publishRate", rate).put("settleMs", settleMs)
              .put("singleNode", single).put("hop", hop).put("sameNodeInCluster", sameNode)
              .put("addedByHopMicros", added)
              .put("note", "singleNode: publisher and members on node B before A joined; hop: published on A, members "
                  + "on B; sameNodeInCluster: published on B with A in the cluster (REST requests are routed on the "
                  + "node that took them, so these stay on B)"));
        }
      }
    }
  }

  /**
   * Waits until the servers use less than 10% of one core (at least one 10 ms clock tick) in each
   * of two consecutive windows of {@code settleWindowMs} (at most 15 s), so that what the previous
   * scenario left behind (its disconnections: presence, room index) is not measured in the next
   * one. Returns how long it waited.
   */
  private long settle(List<ServerProcess> nodes) {
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(15);
    long window = settings.settleWindowMs();
    long quietCpuNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(10), TimeUnit.MILLISECONDS.toNanos(window) / 10);
    int quietWindows = 0;
    long before = ServerProcess.cpuNanos(nodes);
    while (quietWindows < 2 && System.nanoTime() < deadline) {
      control.timer(window).await();
      long now = ServerProcess.cpuNanos(nodes);
      quietWindows = now - before <= quietCpuNanos ? quietWindows + 1 : 0;
      before = now;
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  private void notApplicable(String scenario, ServerKind kind, String reason) {
    add(scenario, kind.label, null, null, new JsonObject().put("notApplicable", reason));
  }

  private void add(String scenario, String server, String publisher, Integer nodes, JsonObject figures) {
    JsonObject r = new JsonObject().put("scenario", scenario).put("server", server);
    if (publisher != null) {
      r.put("publisher", publisher);
    }
    if (nodes != null) {
      r.put("nodes", nodes);
    }
    r.put("atSeconds", Math.round((System.nanoTime() - startNanos) / 1e8) / 10.0).put("figures", figures);
    results.add(r);
    System.out.println(r.encode());
  }

  private JsonObject document() {
    StringBuilder command = new StringBuilder("scripts/bench " + mode);
    scenarios.forEach(s -> command.append(' ').append(s));
    if (!servers.isEmpty()) {
      command.append(" --servers ").append(String.join(",", servers));
    }
    if (scaleNodes != null) {
      command.append(" --scale-nodes ").append(scaleNodes);
    }
    if (scalePerNode != null) {
      command.append(" --scale-per-node ").append(scalePerNode);
    }
    return new JsonObject()
        .put("mode", mode)
        .put("command", command.toString())
        .put("machine", Machine.describe())
        .put("settings", settings == null ? null : settings.toJson()
            .put("serverJvmOptions", new JsonArray(ServerProcess.JVM_OPTIONS))
            .put("extraJvmOptions", new JsonArray(settings.extraJvmOptions())))
        .put("results", new JsonArray(new ArrayList<>(results)))
        .put("targets", Targets.evaluate(results));
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
  }
}

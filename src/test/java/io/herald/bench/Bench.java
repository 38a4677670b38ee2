package io.herald.bench;

import io.herald.test.SharedPostgres;
import io.herald.test.TestNodes;
import io.herald.test.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code scripts/bench [quick|full|smoke] [scenario...]}: runs each scenario against Herald, the raw
 * Vert.x WebSocket server and Socket.IO 4 on Node, each in its own process on loopback, and writes
 * a table to stdout and every figure to {@code target/bench/results.json}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Herald load benchmark (loopback only)")
public final class Bench implements Callable<Integer> {
  @Parameters(index = "0", defaultValue = "quick", description = "quick, full or smoke")
  String mode;

  @Parameters(index = "1..*", description = "scenarios: idle, fanout (default: all implemented)")
  List<String> scenarios = new ArrayList<>();

  @Option(names = "--servers", split = ",", description = "herald, raw-vertx, socketio-node (default: all)")
  List<String> servers = new ArrayList<>();

  @Option(names = "--out", defaultValue = "target/bench", description = "output directory")
  Path out;

  @Option(names = "--jfr", description = "record a JFR of Herald during the fan-out half-rate run")
  boolean jfr;

  @Option(names = "--histograms", description = "idle: write the JVM servers' class histograms and NMT summaries "
      + "before and after the connections, and a per-class diff, to <out>/histograms/")
  boolean histograms;

  @Option(names = "--connections", description = "idle: connections to open (default: the mode's)")
  Integer connections;

  @Option(names = "--herald-token-in", defaultValue = "QUERY",
      description = "idle: where Herald clients put their token: QUERY (?token=, default), HEADER (Authorization) or FRAME (auth frame)")
  ServerKind.TokenIn tokenIn;

  /** A step whose deliveries end later than this after its last publish built a backlog: not sustained. */
  private static final long MAX_DRAIN_MS = 1000;

  private Settings settings;
  private final List<JsonObject> results = new ArrayList<>();

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

  /** Per-mode sizes and durations. Every loop in the bench is bounded by these. */
  record Settings(int idleConnections, List<Integer> roomSizes, List<Integer> publishRates, long stepMs,
      long halfRateMs, int connectConcurrency, long connectTimeoutMs) {
    static Settings of(String mode) {
      return switch (mode) {
        case "smoke" -> new Settings(20, List.of(20), List.of(5, 10), 1000, 1000, 20, 20_000);
        case "quick" -> new Settings(10_000, List.of(1000), List.of(20, 40, 80, 160, 320, 640, 1280), 2000, 4000, 200, 60_000);
        case "full" -> new Settings(19_000, List.of(1000, 10_000), List.of(10, 20, 40, 80, 160, 320, 640, 1280), 10_000,
            10_000, 200, 120_000);
        default -> throw new CommandLine.ParameterException(new CommandLine(new Bench()), "unknown mode " + mode);
      };
    }

    JsonObject toJson() {
      return new JsonObject().put("idleConnections", idleConnections).put("roomSizes", new JsonArray(roomSizes))
          .put("publishRatesPerSecond", new JsonArray(publishRates)).put("stepMs", stepMs).put("halfRateMs", halfRateMs)
          .put("connectConcurrency", connectConcurrency).put("connectTimeoutMs", connectTimeoutMs);
    }
  }

  @Override
  public Integer call() throws Exception {
    settings = Settings.of(mode);
    if (scenarios.isEmpty()) {
      scenarios = List.of("idle", "fanout");
    }
    List<ServerKind> kinds = new ArrayList<>();
    for (ServerKind k : ServerKind.values()) {
      if (servers.isEmpty() || servers.contains(k.label)) {
        kinds.add(k);
      }
    }
    Files.createDirectories(out);
    Tokens.service(); // creates the token signer's Vertx here, not on a load-generator event loop
    for (ServerKind kind : kinds) {
      try (ServerProcess server = startServer(kind)) {
        for (String scenario : scenarios) {
          switch (scenario) {
            case "idle" -> idle(kind, server);
            case "fanout" -> {
              for (int k : settings.roomSizes) {
                fanout(kind, server, k);
              }
            }
            default -> throw new IllegalArgumentException("unknown scenario " + scenario + " (implemented: idle, fanout)");
          }
        }
      }
    }
    JsonObject doc = document();
    Files.writeString(out.resolve("results.json"), doc.encodePrettily());
    System.out.println(Table.render(results));
    System.out.println("results: " + out.resolve("results.json").toAbsolutePath());
    return 0;
  }

  private ServerProcess startServer(ServerKind kind) {
    int port = TestNodes.freePort();
    Path logs = out.resolve("logs");
    return switch (kind) {
      case HERALD -> {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HERALD_HTTP_HOST", "127.0.0.1");
        env.put("HERALD_HTTP_PORT", Integer.toString(port));
        env.put("HERALD_CLUSTER_NAME", "herald-bench-" + UUID.randomUUID());
        env.put("HERALD_CLUSTER_PORT", Integer.toString(TestNodes.freePort()));
        env.put("HERALD_CLUSTER_MEMBERS", "127.0.0.1");
        env.put("HERALD_JWT_SECRET", TestNodes.SECRET);
        env.put("HERALD_PG_URL", SharedPostgres.newDatabase());
        env.put("HERALD_WS_IDLE_TIMEOUT_MS", "300000");
        env.put("HERALD_LIMITS_MAX_CONNECTIONS_PER_NODE", "19000");
        yield ServerProcess.start(kind.label, true, port, ServerProcess.javaCommand("io.herald.Herald"), env, "ready:", logs, 90);
      }
      case RAW_VERTX -> ServerProcess.start(kind.label, true, port,
          ServerProcess.javaCommand(RawWsServer.class.getName(), Integer.toString(port)), Map.of(), "ready:", logs, 30);
      case SOCKETIO -> ServerProcess.start(kind.label, false, port,
          List.of("node", "--expose-gc", "--max-old-space-size=1024", "src/test/js/bench/socketio-server.js",
              Integer.toString(port)), Map.of(), "\"ready\":true", logs, 30);
    };
  }

  /** Scenario 1: N idle (authenticated, for Herald) connections; connect rate and memory per connection. */
  private void idle(ServerKind kind, ServerProcess server) {
    int n = connections != null ? connections : settings.idleConnections;
    ServerProcess.Live before = server.live();
    long liveBefore = before.bytes();
    long rssBefore = server.rssBytes();
    try (LoadClient load = new LoadClient(LoadClient.sourcesFor(n), tokenIn)) {
      LoadClient.ConnectResult c = load.connect(kind, server.port, 0, n, null, settings.connectConcurrency,
          settings.connectTimeoutMs);
      ServerProcess.Live after = server.live();
      long liveAfter = after.bytes();
      long rssAfter = server.rssBytes();
      int opened = Math.max(1, c.opened());
      if (histograms && server.jvm) {
        System.out.println("histogram diff: " + Histograms.write(out.resolve("histograms"), kind.label, before, after, opened));
      }
      JsonObject f = new JsonObject()
          .put("requested", n).put("opened", c.opened()).put("failed", c.failed())
          .put("sourceAddresses", LoadClient.sourcesFor(n))
          .put("tokenIn", kind == ServerKind.HERALD ? tokenIn.name() : null)
          .put("connectSeconds", c.elapsedNanos() / 1e9).put("connectsPerSecond", c.ratePerSecond())
          .put("liveBytesBefore", liveBefore).put("liveBytesAfter", liveAfter)
          .put("liveBytesPerConnection", (liveAfter - liveBefore) / opened)
          .put("rssBytesPerConnection", (rssAfter - rssBefore) / opened);
      add("idle", kind, f);
    }
  }

  /**
   * Scenario 2: one room of {@code k} members; publish at increasing rates (each step bounded in
   * time) until a step loses messages; then at half the best rate, latency and CPU per delivery.
   */
  private void fanout(ServerKind kind, ServerProcess server, int k) throws Exception {
    String room = "bench:fanout-" + k;
    try (LoadClient load = new LoadClient(LoadClient.sourcesFor(k))) {
      LoadClient.ConnectResult c = load.connect(kind, server.port, 1_000_000, k, room, settings.connectConcurrency,
          settings.connectTimeoutMs);
      JsonArray steps = new JsonArray();
      double bestDelivered = 0;
      int bestRate = 0;
      for (int rate : settings.publishRates) {
        JsonObject step = step(kind, server, load, room, c.opened(), rate, settings.stepMs);
        steps.add(step);
        if (!step.getBoolean("lossless")) {
          break;
        }
        bestRate = rate;
        bestDelivered = Math.max(bestDelivered, step.getDouble("deliveredPerSecond"));
      }
      JsonObject f = new JsonObject().put("members", k).put("membersOpened", c.opened())
          .put("maxLosslessDeliveredPerSecond", bestDelivered).put("maxLosslessPublishRate", bestRate).put("steps", steps);
      if (bestRate > 0) {
        double half = bestRate / 2.0;
        if (jfr && kind == ServerKind.HERALD) {
          Path file = out.resolve("herald-fanout-" + k + ".jfr");
          server.startJfr(file, (int) (settings.halfRateMs / 1000) + 2);
          f.put("jfr", file.toString());
        }
        f.put("halfRate", step(kind, server, load, room, c.opened(), half, settings.halfRateMs));
      }
      add("fanout-" + k, kind, f);
    }
  }

  private JsonObject step(ServerKind kind, ServerProcess server, LoadClient load, String room, int members,
      double rate, long durationMs) {
    load.takeLatency();
    long receivedBefore = load.received();
    long cpuBefore = server.cpuNanos();
    LoadClient.PublishResult p = load.publish(kind, server.port, room, rate, durationMs, 256);
    long expected = p.sent() * members;
    long drainStart = System.nanoTime();
    long received = load.awaitReceived(receivedBefore + expected, 1000, 5000) - receivedBefore;
    long drainMs = (System.nanoTime() - drainStart) / 1_000_000;
    long cpu = server.cpuNanos() - cpuBefore;
    Histogram h = load.takeLatency();
    // Sustained: nothing lost and no backlog: the last delivery came within MAX_DRAIN_MS of the last publish.
    boolean lossless = p.failed() == 0 && p.skipped() == 0 && received >= expected && p.sent() > 0
        && drainMs <= MAX_DRAIN_MS;
    return new JsonObject().put("publishRate", rate).put("published", p.sent()).put("publishFailed", p.failed())
        .put("publishSkipped", p.skipped()).put("expected", expected).put("received", received)
        .put("drainMs", drainMs).put("deliveredPerSecond", received / (p.elapsedNanos() / 1e9)).put("lossless", lossless)
        .put("serverCpuMs", cpu / 1e6).put("serverCpuMicrosPerDelivery", received == 0 ? null : cpu / 1e3 / received)
        .put("latencyMicros", new JsonObject()
            .put("p50", h.getValueAtPercentile(50) / 1e3).put("p99", h.getValueAtPercentile(99) / 1e3)
            .put("p999", h.getValueAtPercentile(99.9) / 1e3).put("max", h.getMaxValue() / 1e3)
            .put("count", h.getTotalCount()));
  }

  private void add(String scenario, ServerKind kind, JsonObject figures) {
    JsonObject r = new JsonObject().put("scenario", scenario).put("server", kind.label).put("figures", figures);
    results.add(r);
    System.out.println(r.encode());
  }

  private JsonObject document() {
    return new JsonObject()
        .put("mode", mode)
        .put("command", "scripts/bench " + mode + (scenarios.isEmpty() ? "" : " " + String.join(" ", scenarios)))
        .put("machine", Machine.describe())
        .put("settings", settings == null ? null : settings.toJson()
            .put("serverJvmOptions", new JsonArray(ServerProcess.JVM_OPTIONS)))
        .put("results", new JsonArray(new ArrayList<>(results)))
        .put("notImplemented", new JsonArray(List.of(
            "scenario 3 (stored notifications, PostgreSQL insert rate)",
            "scenario 4 (cross-node hop)",
            "publishing over the event bus (REST only)",
            "100k connections across five nodes (full)")));
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
  }
}

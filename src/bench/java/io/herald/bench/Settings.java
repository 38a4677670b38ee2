package io.herald.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Per-mode sizes and durations; every loop in the bench is bounded by these.
 *
 * @param scenarios the scenarios a mode runs when none is named
 * @param idleConnections scenario 1 on one node
 * @param roomSizes scenario 2; the event-bus publisher runs the first size only
 * @param publishRates the fan-out ramp (publishes per second)
 * @param refineSteps steps after a ramp's first failure, halving the gap to the best sustained rate
 * @param stepMs one ramp step; {@code halfRateMs} the measured run at half the best rate
 * @param notifyUsers scenario 3: connected users, one socket each
 * @param notifyRates the notification ramp (notifications per second, one user each)
 * @param pgBaselineMs how long the plain PostgreSQL insert baseline runs
 * @param crossNodeMembers scenario 4: members on node B
 * @param crossNodeRate scenario 4: publishes per second, the same with and without the hop
 * @param crossNodeMs each of scenario 4's measured runs
 * @param clusterIdlePerNode two-node idle: connections per node
 * @param clusterRoomSize two-node fan-out: members, split over both nodes
 * @param scaleNodes the many-node idle run: nodes
 * @param scalePerNode the many-node idle run: connections per node
 * @param connectConcurrency connections opening at once (split among load workers)
 * @param connectTimeoutMs bound on one connect run of up to ~20k connections
 * @param scaleConnectTimeoutMs bound on the many-node connect run
 * @param maxInProcessConnections above this, an idle run's connections are held by load-worker processes
 * @param connectionsPerWorker at most this many connections per load-worker process
 * @param extraJvmOptions added to every server and load-worker JVM (smoke: C1 only, to start faster)
 * @param settleWindowMs before each scenario the servers must be nearly idle for two such windows
 * @param stormPerNode the reconnect storm: connections on each of its three nodes
 * @param stormTimeoutMs the reconnect storm: bound on the clients' recovery after the kill
 * @param backlogSamples notify-backlog: notifications timed per backlog
 */
record Settings(List<String> scenarios, int idleConnections, List<Integer> roomSizes, List<Integer> publishRates,
    int refineSteps, long stepMs, long halfRateMs, int notifyUsers, List<Integer> notifyRates, long pgBaselineMs,
    int crossNodeMembers, int crossNodeRate, long crossNodeMs, int clusterIdlePerNode, int clusterRoomSize,
    int scaleNodes, int scalePerNode, int connectConcurrency, long connectTimeoutMs, long scaleConnectTimeoutMs,
    int maxInProcessConnections, int connectionsPerWorker, List<String> extraJvmOptions, long settleWindowMs,
    int stormPerNode, long stormTimeoutMs, int backlogSamples) {

  /** Every scenario, in the order they run. */
  static final List<String> ALL = List.of("idle", "fanout", "notify", "crossnode", "cluster", "scale", "storm");

  /**
   * Connections one Herald node can hold here: the open-file limit is 20,000 per process (hard), and
   * a node also needs files for its jars, epoll, Hazelcast and PostgreSQL connections (~250).
   */
  static final int MAX_PER_NODE = 19_500;

  /** Connections one load-worker process holds at most (same file limit, plus its own jars). */
  static final int MAX_PER_WORKER = 16_500;

  static Settings of(String mode) {
    return switch (mode) {
      case "smoke" -> new Settings(ALL,
          20,                                               // idle
          List.of(20), List.of(10), 0, 500, 500,            // fan-out: rooms, rates, refine, step, half rate
          20, List.of(20), 500,                             // notify: users, rates; PostgreSQL baseline ms
          20, 10, 500,                                      // crossnode: members, rate, each run
          10, 20,                                           // cluster: idle per node, room
          2, 15,                                            // scale: nodes, per node (on the two-node cluster)
          20, 20_000, 30_000,                               // connect: concurrency, timeout, scale timeout
          20, 30, List.of("-XX:TieredStopAtLevel=1"),       // in process at most, per worker, JVM options
          50,                                               // settle window ms
          10, 60_000,                                       // storm: per node, recovery bound
          20);                                              // notify-backlog samples
      case "quick" -> new Settings(List.of("idle", "fanout", "notify", "crossnode"),
          10_000,
          List.of(1000), List.of(40, 80, 160, 320, 640, 1280), 1, 1000, 1500,
          1000, List.of(500, 1000, 2000, 4000), 2000,
          1000, 50, 1500,
          2000, 1000,
          5, MAX_PER_NODE,
          200, 60_000, 420_000,
          15_000, MAX_PER_WORKER, List.of(),
          200,
          5000, 120_000,
          500);
      // The scale run (five nodes, ~7 minutes of connects) is named on its own, `full scale`, so
      // that `full` stays within its 15 minutes.
      case "full" -> new Settings(List.of("idle", "fanout", "notify", "crossnode", "cluster", "storm"),
          19_000,
          List.of(1000, 10_000), List.of(10, 20, 40, 80, 160, 320, 640, 1280), 2, 2000, 3000,
          5000, List.of(100, 200, 400, 800, 1600, 3200, 6400), 5_000,
          1000, 50, 3000,
          5000, 1000,
          5, MAX_PER_NODE,
          200, 120_000, 420_000,
          15_000, MAX_PER_WORKER, List.of(),
          200,
          5000, 120_000,
          500);
      default -> throw new IllegalArgumentException("unknown mode " + mode + " (quick, full or smoke)");
    };
  }

  /** The same settings with the many-node run's shape replaced (command-line options). */
  Settings withScale(int nodes, int perNode) {
    return new Settings(scenarios, idleConnections, roomSizes, publishRates, refineSteps, stepMs, halfRateMs,
        notifyUsers, notifyRates, pgBaselineMs, crossNodeMembers, crossNodeRate, crossNodeMs, clusterIdlePerNode,
        clusterRoomSize, nodes, perNode, connectConcurrency, connectTimeoutMs, scaleConnectTimeoutMs,
        maxInProcessConnections, connectionsPerWorker, extraJvmOptions, settleWindowMs, stormPerNode, stormTimeoutMs,
        backlogSamples);
  }

  JsonObject toJson() {
    return new JsonObject().put("idleConnections", idleConnections).put("roomSizes", new JsonArray(roomSizes))
        .put("publishRatesPerSecond", new JsonArray(publishRates)).put("refineSteps", refineSteps)
        .put("stepMs", stepMs).put("halfRateMs", halfRateMs)
        .put("notifyUsers", notifyUsers).put("notifyRatesPerSecond", new JsonArray(notifyRates))
        .put("pgBaselineMs", pgBaselineMs).put("crossNodeMembers", crossNodeMembers)
        .put("crossNodeRatePerSecond", crossNodeRate).put("crossNodeMs", crossNodeMs)
        .put("clusterIdlePerNode", clusterIdlePerNode).put("clusterRoomSize", clusterRoomSize)
        .put("scaleNodes", scaleNodes).put("scalePerNode", scalePerNode)
        .put("connectConcurrency", connectConcurrency).put("connectTimeoutMs", connectTimeoutMs)
        .put("scaleConnectTimeoutMs", scaleConnectTimeoutMs).put("maxInProcessConnections", maxInProcessConnections)
        .put("connectionsPerWorker", connectionsPerWorker).put("settleWindowMs", settleWindowMs)
        .put("stormPerNode", stormPerNode).put("stormTimeoutMs", stormTimeoutMs).put("backlogSamples", backlogSamples);
  }
}

package io.herald.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * One measured publishing run (a step) and the ramp of steps at increasing rates, shared by the
 * fan-out, notification and cross-node scenarios. Server CPU is summed over every process given.
 */
final class Ramp {
  /** A step whose deliveries end later than this after its last publish built a backlog: not sustained. */
  static final long MAX_DRAIN_MS = 1000;
  /** Sends outstanding at once; a send beyond it is skipped and the step is not sustained. */
  static final int MAX_IN_FLIGHT = 256;

  private Ramp() {}

  /**
   * Publishes at each of {@code rates} for {@code stepMs} until a step is not sustained, then
   * {@code refineSteps} more steps, each halfway between the best sustained rate and the lowest
   * failed one (so the maximum is known within a factor of 1 + 1/2^refineSteps of a doubling ramp);
   * then, at half the best sustained rate, for {@code halfRateMs} ({@code jfr}: recorded on the
   * first server). {@code rampCapped} says the last rate was sustained: the maximum is higher.
   */
  static JsonObject run(List<ServerProcess> servers, LoadClient load, Publisher publisher, List<Integer> rates,
      int refineSteps, long stepMs, long halfRateMs, Path jfr) {
    JsonArray steps = new JsonArray();
    double bestDelivered = 0;
    int bestRate = 0;
    int failedRate = 0;
    for (int rate : rates) {
      JsonObject step = step(servers, load, publisher, rate, stepMs);
      steps.add(step);
      if (!step.getBoolean("lossless")) {
        failedRate = rate;
        break;
      }
      bestRate = rate;
      bestDelivered = Math.max(bestDelivered, step.getDouble("deliveredPerSecond"));
    }
    for (int i = 0; i < refineSteps && failedRate > 0 && bestRate > 0 && failedRate - bestRate > 1; i++) {
      int rate = (bestRate + failedRate) / 2;
      JsonObject step = step(servers, load, publisher, rate, stepMs).put("refinement", true);
      steps.add(step);
      if (step.getBoolean("lossless")) {
        bestRate = rate;
        bestDelivered = Math.max(bestDelivered, step.getDouble("deliveredPerSecond"));
      } else {
        failedRate = rate;
      }
    }
    JsonObject f = new JsonObject().put("maxLosslessDeliveredPerSecond", bestDelivered)
        .put("maxLosslessPublishRate", bestRate).put("rampCapped", failedRate == 0).put("steps", steps);
    if (bestRate > 0) {
      if (jfr != null) {
        servers.get(0).startJfr(jfr, (int) (halfRateMs / 1000) + 2);
        f.put("jfr", jfr.toString());
      }
      f.put("halfRate", step(servers, load, publisher, bestRate / 2.0, halfRateMs));
    }
    return f;
  }

  /**
   * One step: publish at {@code rate} for {@code durationMs}, wait (bounded) for the deliveries, and
   * report them with their latency and the servers' CPU time. Sustained ("lossless"): every send
   * accepted, none skipped, every member got every message, and the last came within
   * {@link #MAX_DRAIN_MS} of the last publish.
   */
  static JsonObject step(List<ServerProcess> servers, LoadClient load, Publisher publisher, double rate,
      long durationMs) {
    load.takeLatency();
    long receivedBefore = load.received();
    long cpuBefore = ServerProcess.cpuNanos(servers);
    Publisher.Result p = publisher.run(rate, durationMs, MAX_IN_FLIGHT);
    long expected = p.sent() * publisher.target.receiversPerMessage();
    long drainStart = System.nanoTime();
    long received = load.awaitReceived(receivedBefore + expected, 1000, 5000) - receivedBefore;
    long drainMs = (System.nanoTime() - drainStart) / 1_000_000;
    long cpu = ServerProcess.cpuNanos(servers) - cpuBefore;
    Histogram h = load.takeLatency();
    boolean lossless = p.failed() == 0 && p.skipped() == 0 && received >= expected && p.sent() > 0
        && drainMs <= MAX_DRAIN_MS;
    return new JsonObject().put("publishRate", rate).put("published", p.sent()).put("publishFailed", p.failed())
        .put("publishSkipped", p.skipped()).put("expected", expected).put("received", received)
        .put("drainMs", drainMs).put("deliveredPerSecond", received / (p.elapsedNanos() / 1e9)).put("lossless", lossless)
        .put("serverCpuMs", cpu / 1e6).put("serverCpuMicrosPerDelivery", received == 0 ? null : cpu / 1e3 / received)
        .put("latencyMicros", latency(h));
  }

  static JsonObject latency(Histogram h) {
    return new JsonObject()
        .put("p50", h.getValueAtPercentile(50) / 1e3).put("p99", h.getValueAtPercentile(99) / 1e3)
        .put("p999", h.getValueAtPercentile(99.9) / 1e3).put("max", h.getMaxValue() / 1e3)
        .put("count", h.getTotalCount());
  }
}

package io.herald.bench;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;

/** The stdout table: one row per scenario, server and publisher, the headline figures only (the rest is in results.json). */
final class Table {
  private Table() {}

  static String render(List<JsonObject> results) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-19s %-16s %s%n", "scenario", "server", "figures"));
    for (JsonObject r : results) {
      String server = r.getString("server") + ("eventbus".equals(r.getString("publisher")) ? " [eb]" : "");
      sb.append(String.format(Locale.ROOT, "%-19s %-16s %s%n", r.getString("scenario"), server, figures(r)));
    }
    return sb.toString();
  }

  private static String figures(JsonObject r) {
    JsonObject f = r.getJsonObject("figures");
    String scenario = r.getString("scenario");
    if (f.containsKey("notApplicable")) {
      return "not applicable: " + f.getString("notApplicable");
    }
    if (scenario.startsWith("idle")) {
      return idle(f);
    }
    if (scenario.equals("crossnode")) {
      return crossNode(f);
    }
    if (scenario.equals("storm")) {
      return storm(f);
    }
    if (scenario.equals("notify-backlog")) {
      return backlog(f);
    }
    if (scenario.equals("notify") && "postgresql".equals(r.getString("server"))) {
      return String.format(Locale.ROOT, "plain INSERT: %s rows/s (%d connections, %d in flight, autocommit)",
          Bench.fmt(f.getDouble("insertsPerSecond")), f.getInteger("poolSize"), f.getInteger("inFlight"));
    }
    String figures;
    if (scenario.equals("notify")) {
      figures = String.format(Locale.ROOT, "max sustained %s%s notifications/s %s", atLeast(f),
          Bench.fmt(f.getDouble("maxLosslessDeliveredPerSecond")),
          f.getBoolean("stored") ? "stored and delivered" : "delivered, NOT STORED");
      if (f.containsKey("ratioToPgInsertRate")) {
        figures += String.format(Locale.ROOT, " (%.0f%% of the plain PostgreSQL insert rate)",
            100 * f.getDouble("ratioToPgInsertRate"));
      }
    } else {
      figures = String.format(Locale.ROOT, "max sustained %s%s deliveries/s (%d pub/s x %d)", atLeast(f),
          Bench.fmt(f.getDouble("maxLosslessDeliveredPerSecond")), f.getInteger("maxLosslessPublishRate"),
          f.getInteger("membersOpened"));
    }
    JsonObject half = f.getJsonObject("halfRate");
    if (half != null) {
      figures += String.format(Locale.ROOT, "; at %s/s: %s", Bench.fmt(half.getDouble("publishRate")), latency(half));
    }
    return figures;
  }

  /** The ramp's last rate was sustained: the real maximum is higher. */
  private static String atLeast(JsonObject f) {
    return f.getBoolean("rampCapped", false) ? "at least " : "";
  }

  private static String idle(JsonObject f) {
    String nodes = f.getInteger("nodes", 1) > 1 ? String.format(Locale.ROOT, " on %d nodes", f.getInteger("nodes")) : "";
    String workers = f.getInteger("loadWorkers", 0) > 0
        ? String.format(Locale.ROOT, " (%d load workers)", f.getInteger("loadWorkers")) : "";
    return String.format(Locale.ROOT, "opened %d/%d%s%s, %s conn/s, live %s KB/conn, RSS %s KB/conn",
        f.getInteger("opened"), f.getInteger("requested"), nodes, workers, Bench.fmt(f.getDouble("connectsPerSecond")),
        Bench.fmt(f.getLong("liveBytesPerConnection") / 1024.0), Bench.fmt(f.getLong("rssBytesPerConnection") / 1024.0));
  }

  private static String backlog(JsonObject f) {
    if (f.containsKey("error")) {
      return f.getString("error");
    }
    StringBuilder sb = new StringBuilder();
    for (Object o : f.getJsonArray("runs")) {
      JsonObject r = (JsonObject) o;
      sb.append(sb.length() == 0 ? "" : "; ").append(String.format(Locale.ROOT, "%d unread before: mean %s ms, p50 %s ms",
          r.getInteger("unreadBefore"), ms(r.getDouble("meanMicros")), ms(r.getDouble("p50Micros"))));
    }
    return sb.append(String.format(Locale.ROOT, " (ratio %.2f; CPU %s us/notification)", f.getDouble("meanRatio"),
        Bench.fmt(f.getDouble("serverCpuMicrosPerNotification")))).toString();
  }

  private static String storm(JsonObject f) {
    if (f.containsKey("error")) {
      return f.getString("error");
    }
    String recovery = f.getBoolean("timedOut", true)
        ? String.format(Locale.ROOT, "NOT RECOVERED in time: %d/%d reconnected, %d caught up",
            f.getLong("reconnected"), f.getLong("clientsOfKilledNode"), f.getLong("caughtUp"))
        : String.format(Locale.ROOT, "all %d reconnected in %s s, caught up in %s s, presence exact in %s s",
            f.getLong("clientsOfKilledNode"), Bench.fmt(f.getDouble("allReconnectedMs") / 1000),
            Bench.fmt(f.getDouble("allCaughtUpMs") / 1000),
            f.getDouble("presenceExactMs") == null ? "-" : Bench.fmt(f.getDouble("presenceExactMs") / 1000));
    return String.format(Locale.ROOT, "%d x %d on 3 nodes (%s conn/s); one killed: %s; %d of %d stored notifications lost",
        f.getInteger("nodes"), f.getInteger("perNode"), Bench.fmt(f.getDouble("connectsPerSecond")), recovery,
        f.getLong("lost"), f.getLong("accepted"));
  }

  private static String crossNode(JsonObject f) {
    JsonObject added = f.getJsonObject("addedByHopMicros");
    return String.format(Locale.ROOT, "%d/s x %d members on node B; the hop adds p50 %s ms, p99 %s ms, p999 %s ms"
            + " (one node: %s; published on A: %s)",
        f.getInteger("publishRate"), f.getInteger("membersOpened"), ms(added.getDouble("p50")),
        ms(added.getDouble("p99")), ms(added.getDouble("p999")), percentiles(f.getJsonObject("singleNode")),
        percentiles(f.getJsonObject("hop")));
  }

  private static String latency(JsonObject step) {
    Double cpu = step.getDouble("serverCpuMicrosPerDelivery");
    return percentiles(step) + String.format(Locale.ROOT, ", CPU %s us/delivery",
        cpu == null ? "-" : String.format(Locale.ROOT, "%.2f", cpu));
  }

  private static String percentiles(JsonObject step) {
    JsonObject l = step.getJsonObject("latencyMicros");
    return String.format(Locale.ROOT, "p50 %s ms, p99 %s ms, p999 %s ms", ms(l.getDouble("p50")), ms(l.getDouble("p99")),
        ms(l.getDouble("p999")));
  }

  private static String ms(double micros) {
    return String.format(Locale.ROOT, "%.2f", micros / 1000);
  }
}

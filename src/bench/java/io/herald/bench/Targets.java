package io.herald.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The targets, as ratios between figures of one run (docs/benchmarks.md#targets). A target
 * whose figures the run did not produce (a scenario or server left out) is reported as not measured.
 */
final class Targets {
  /** Issue #15: server CPU per delivery at most this many times the raw ceiling's, at the same rate. */
  static final double CPU_RATIO = 1.1;
  /** Issue #15: sustained deliveries at least this many times Socket.IO's. */
  static final double SOCKETIO_RATIO = 2.5;

  private Targets() {}

  /** One row per target: {target, value, met (true, false or null when not measured), detail}. */
  static JsonArray evaluate(List<JsonObject> results) {
    JsonArray out = new JsonArray();
    memory(results, out);
    for (int k : List.of(1000, 10_000)) {
      cpuPerDelivery(results, out, k);
      throughput(results, out, k);
    }
    latency(results, out);
    notifications(results, out);
    backlog(results, out);
    connects(results, out);
    storm(results, out);
    scale(results, out);
    return out;
  }

  private static void memory(List<JsonObject> results, JsonArray out) {
    Optional<Double> herald = idleKb(results, "herald");
    Optional<Double> raw = idleKb(results, "raw-vertx");
    Optional<Double> sio = idleKb(results, "socketio-node");
    if (herald.isEmpty()) {
      out.add(row("memory: <= 10 KB live per idle connection, below both baselines", null, null, "idle not run"));
      return;
    }
    boolean met = herald.get() <= 10 && raw.map(r -> herald.get() < r).orElse(true)
        && sio.map(s -> herald.get() < s).orElse(true);
    out.add(row("memory: <= 10 KB live per idle connection, below both baselines", fmt(herald.get()) + " KB", met,
        "raw-vertx " + raw.map(Targets::fmt).orElse("-") + " KB, socketio-node " + sio.map(Targets::fmt).orElse("-") + " KB"));
  }

  /**
   * CPU per delivery against the raw ceiling at the same publish rate: the highest rate both
   * sustained in the 1k-member ramp (CPU per delivery falls as the rate grows, so comparing each
   * server at its own half rate would favour the faster one).
   */
  private static void cpuPerDelivery(List<JsonObject> results, JsonArray out, int members) {
    String target = "fan-out: server CPU per delivery <= " + CPU_RATIO + "x the raw ceiling (" + members / 1000
        + "k members, same rate)";
    Optional<JsonObject> herald = row(results, "fanout-" + members, "herald", "rest");
    Optional<JsonObject> raw = row(results, "fanout-" + members, "raw-vertx", null);
    if (herald.isEmpty() || raw.isEmpty()) {
      out.add(row(target, null, null, "fan-out with " + members + " members not run for both"));
      return;
    }
    JsonObject best = null;
    JsonObject bestRaw = null;
    for (Object o : herald.get().getJsonArray("steps")) {
      JsonObject h = (JsonObject) o;
      if (!h.getBoolean("lossless")) {
        continue;
      }
      for (Object p : raw.get().getJsonArray("steps")) {
        JsonObject r = (JsonObject) p;
        if (r.getBoolean("lossless") && r.getDouble("publishRate").equals(h.getDouble("publishRate"))
            && (best == null || h.getDouble("publishRate") > best.getDouble("publishRate"))) {
          best = h;
          bestRaw = r;
        }
      }
    }
    if (best == null) {
      out.add(row(target, null, null, "no rate sustained by both"));
      return;
    }
    double ratio = best.getDouble("serverCpuMicrosPerDelivery") / bestRaw.getDouble("serverCpuMicrosPerDelivery");
    out.add(row(target, fmt(ratio) + "x", ratio <= CPU_RATIO, String.format(Locale.ROOT,
        "at %.0f publishes/s: herald %.2f us, raw-vertx %.2f us", best.getDouble("publishRate"),
        best.getDouble("serverCpuMicrosPerDelivery"), bestRaw.getDouble("serverCpuMicrosPerDelivery"))));
  }

  private static void throughput(List<JsonObject> results, JsonArray out, int members) {
    String target = "fan-out: >= " + SOCKETIO_RATIO + "x Socket.IO's sustained deliveries/s (" + members / 1000 + "k members)";
    double herald = Math.max(max(results, members, "herald", "rest"), max(results, members, "herald", "eventbus"));
    double sio = max(results, members, "socketio-node", null);
    if (herald <= 0 || sio <= 0) {
      out.add(row(target, null, null, "fan-out with " + members + " members not run for both"));
      return;
    }
    out.add(row(target, fmt(herald / sio) + "x", herald >= SOCKETIO_RATIO * sio,
        String.format(Locale.ROOT, "herald %.0f/s (best publisher), socketio-node %.0f/s", herald, sio)));
  }

  private static void latency(List<JsonObject> results, JsonArray out) {
    String target = "latency: p99 at half the max rate <= 1.2x the raw ceiling's and < 50 ms (1k members)";
    Optional<Double> herald = halfP99(results, "herald", "rest");
    Optional<Double> raw = halfP99(results, "raw-vertx", null);
    if (herald.isEmpty() || raw.isEmpty()) {
      out.add(row(target, null, null, "fan-out with 1,000 members not run for both"));
      return;
    }
    double ratio = herald.get() / raw.get();
    out.add(row(target, fmt(herald.get()) + " ms (" + fmt(ratio) + "x)", ratio <= 1.2 && herald.get() < 50,
        "raw-vertx " + fmt(raw.get()) + " ms; each at half of its own maximum"));
  }

  /**
   * Stored notifications, for REST and for the event bus each: at least half the plain insert rate,
   * and p99 under 20 ms at half of Herald's own maximum.
   */
  private static void notifications(List<JsonObject> results, JsonArray out) {
    for (String publisher : List.of("rest", "eventbus")) {
      String target = "notifications (" + publisher + "): >= 50% of the plain PostgreSQL insert rate, stored and "
          + "delivered, p99 < 20 ms at half rate";
      Optional<JsonObject> r = row(results, "notify", "herald", publisher);
      if (r.isEmpty() || !r.get().containsKey("ratioToPgInsertRate")) {
        out.add(row(target, null, null, "notify not run"));
        continue;
      }
      double ratio = r.get().getDouble("ratioToPgInsertRate");
      JsonObject half = r.get().getJsonObject("halfRate");
      Double p99 = half == null ? null : half.getJsonObject("latencyMicros").getDouble("p99") / 1000;
      out.add(row(target, fmt(ratio * 100) + "%, p99 " + (p99 == null ? "-" : fmt(p99) + " ms"),
          ratio >= 0.5 && p99 != null && p99 < 20, "p99 at " + (half == null ? "-" : fmt(half.getDouble("publishRate")) + "/s")));
    }
  }

  /** The kept unread count: a notification to a user with 1,000 unread costs what one to a user with none does. */
  private static void backlog(List<JsonObject> results, JsonArray out) {
    String target = "notifications: cost flat from 0 to 1,000 unread (mean time per notification within 1.25x)";
    Optional<JsonObject> r = row(results, "notify-backlog", "herald", "rest");
    if (r.isEmpty() || !r.get().containsKey("meanRatio")) {
      out.add(row(target, null, null, "notify not run"));
      return;
    }
    double ratio = r.get().getDouble("meanRatio");
    out.add(row(target, fmt(ratio) + "x", ratio <= 1.25, "mean at 1,000 unread / mean at 0, one notification at a time"));
  }

  /**
   * Connects: server CPU per connection at most 2x the raw server's (one node, idle run), and the
   * three-node storm cluster's connect rate at least half of one node's.
   */
  private static void connects(List<JsonObject> results, JsonArray out) {
    String cpuTarget = "connects: server CPU per connection <= 2x the raw server's (one node)";
    Optional<JsonObject> herald = row(results, "idle", "herald", null);
    Optional<JsonObject> raw = row(results, "idle", "raw-vertx", null);
    if (herald.isEmpty() || raw.isEmpty() || !herald.get().containsKey("serverCpuMicrosPerConnection")) {
      out.add(row(cpuTarget, null, null, "idle not run for both"));
    } else {
      double h = herald.get().getDouble("serverCpuMicrosPerConnection");
      double r = raw.get().getDouble("serverCpuMicrosPerConnection");
      out.add(row(cpuTarget, fmt(h / r) + "x", h <= 2 * r, String.format(Locale.ROOT, "herald %.0f us, raw-vertx %.0f us", h, r)));
    }
    String rateTarget = "connects: a 3-node cluster connects at least half as fast as one node";
    Optional<JsonObject> storm = row(results, "storm", "herald", null);
    if (herald.isEmpty() || storm.isEmpty() || !storm.get().containsKey("connectsPerSecond")) {
      out.add(row(rateTarget, null, null, "idle and storm not both run"));
    } else {
      double one = herald.get().getDouble("connectsPerSecond");
      double three = storm.get().getDouble("connectsPerSecond");
      out.add(row(rateTarget, fmt(three / one) + "x", three >= one / 2,
          String.format(Locale.ROOT, "3 nodes %.0f/s, one node %.0f/s", three, one)));
    }
  }

  /** The reconnect storm: every client of the killed node back, with its missed notification, in < 30 s. */
  private static void storm(List<JsonObject> results, JsonArray out) {
    String target = "reconnect storm: the killed node's clients connected and caught up < 30 s, nothing lost";
    Optional<JsonObject> storm = row(results, "storm", "herald", null);
    if (storm.isEmpty() || storm.get().containsKey("error")) {
      out.add(row(target, null, null, "storm not run"));
      return;
    }
    JsonObject f = storm.get();
    Double ms = f.getDouble("allCaughtUpMs");
    boolean met = ms != null && ms < 30_000 && f.getLong("lost") == 0 && f.getLong("clientsOfKilledNode") >= 5000;
    out.add(row(target, ms == null ? "not recovered" : fmt(ms / 1000) + " s", f.getLong("clientsOfKilledNode") >= 5000 ? met : null,
        f.getLong("clientsOfKilledNode") + " clients, " + f.getLong("lost") + " lost, presence exact "
            + (f.getDouble("presenceExactMs") == null ? "-" : fmt(f.getDouble("presenceExactMs") / 1000) + " s")));
  }

  private static void scale(List<JsonObject> results, JsonArray out) {
    Optional<JsonObject> idle = row(results, "idle", "herald", null);
    idle.ifPresent(f -> out.add(row("hold 19k connections on one node", f.getInteger("opened") + " opened",
        f.getInteger("requested") >= 19_000 ? f.getInteger("opened") >= 19_000 : null,
        f.getInteger("requested") >= 19_000 ? "" : "this mode asks for " + f.getInteger("requested") + " (full: 19,000)")));
    Optional<JsonObject> many = row(results, "idle-scale", "herald", null);
    many.ifPresent(f -> out.add(row("100k across a 5-node cluster", f.getInteger("opened") + " opened on "
        + f.getInteger("nodes") + " nodes", f.getInteger("opened") >= 100_000 && f.getInteger("nodes") <= 5,
        "a node holds at most " + Settings.MAX_PER_NODE + " (20,000-file limit per process)")));
  }

  // ---- lookups -----------------------------------------------------------------------------------

  private static Optional<JsonObject> row(List<JsonObject> results, String scenario, String server, String publisher) {
    return results.stream()
        .filter(r -> scenario.equals(r.getString("scenario")) && server.equals(r.getString("server"))
            && (publisher == null || publisher.equals(r.getString("publisher"))))
        .map(r -> r.getJsonObject("figures"))
        .findFirst();
  }

  private static Optional<Double> idleKb(List<JsonObject> results, String server) {
    return row(results, "idle", server, null).filter(f -> f.containsKey("liveBytesPerConnection"))
        .map(f -> f.getLong("liveBytesPerConnection") / 1024.0);
  }

  private static double max(List<JsonObject> results, int members, String server, String publisher) {
    return row(results, "fanout-" + members, server, publisher).map(f -> f.getDouble("maxLosslessDeliveredPerSecond", 0.0))
        .orElse(0.0);
  }

  private static Optional<Double> halfP99(List<JsonObject> results, String server, String publisher) {
    return row(results, "fanout-1000", server, publisher).map(f -> f.getJsonObject("halfRate"))
        .map(h -> h.getJsonObject("latencyMicros").getDouble("p99") / 1000);
  }

  private static JsonObject row(String target, String value, Boolean met, String detail) {
    return new JsonObject().put("target", target).put("value", value).put("met", met).put("detail", detail);
  }

  static String render(JsonArray targets) {
    StringBuilder sb = new StringBuilder("targets (ratios from this run)\n");
    for (Object o : targets) {
      JsonObject t = (JsonObject) o;
      Boolean met = t.getBoolean("met");
      sb.append(String.format(Locale.ROOT, "  %-13s %s: %s%s%n", met == null ? "[not measured]" : met ? "[met]" : "[missed]",
          t.getString("target"), t.getString("value") == null ? "-" : t.getString("value"),
          t.getString("detail") == null || t.getString("detail").isEmpty() ? "" : " (" + t.getString("detail") + ")"));
    }
    return sb.toString();
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.2f", v);
  }
}

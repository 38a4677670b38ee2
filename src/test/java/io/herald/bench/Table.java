package io.herald.bench;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;

/** The stdout table: one row per scenario and server, the headline figures only (the rest is in results.json). */
final class Table {
  private Table() {}

  static String render(List<JsonObject> results) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-12s %-14s %s%n", "scenario", "server", "figures"));
    for (JsonObject r : results) {
      JsonObject f = r.getJsonObject("figures");
      String figures;
      if (r.getString("scenario").equals("idle")) {
        figures = String.format(Locale.ROOT, "opened %d/%d, %s conn/s, live %s KB/conn, RSS %s KB/conn",
            f.getInteger("opened"), f.getInteger("requested"), Bench.fmt(f.getDouble("connectsPerSecond")),
            Bench.fmt(f.getLong("liveBytesPerConnection") / 1024.0), Bench.fmt(f.getLong("rssBytesPerConnection") / 1024.0));
      } else {
        JsonObject half = f.getJsonObject("halfRate");
        figures = String.format(Locale.ROOT, "max lossless %s deliveries/s (%d pub/s x %d)",
            Bench.fmt(f.getDouble("maxLosslessDeliveredPerSecond")), f.getInteger("maxLosslessPublishRate"),
            f.getInteger("membersOpened"));
        if (half != null) {
          JsonObject l = half.getJsonObject("latencyMicros");
          Double cpu = half.getDouble("serverCpuMicrosPerDelivery");
          figures += String.format(Locale.ROOT, "; at %s pub/s: p50 %s ms, p99 %s ms, p999 %s ms, CPU %s us/delivery",
              Bench.fmt(half.getDouble("publishRate")), ms(l.getDouble("p50")), ms(l.getDouble("p99")),
              ms(l.getDouble("p999")), cpu == null ? "-" : String.format(Locale.ROOT, "%.2f", cpu));
        }
      }
      sb.append(String.format(Locale.ROOT, "%-12s %-14s %s%n", r.getString("scenario"), r.getString("server"), figures));
    }
    return sb.toString();
  }

  private static String ms(double micros) {
    return String.format(Locale.ROOT, "%.2f", micros / 1000);
  }
}

package io.herald.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code --histograms}: what each idle connection holds, class by class. Writes the server's heap
 * histograms and NMT summaries from before and after the connections, and a diff: the classes
 * whose live bytes grew, biggest first, as instances and bytes per connection, then the NMT
 * categories' committed growth.
 */
final class Histograms {
  private static final Pattern ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");
  private static final Pattern NMT_ROW = Pattern.compile("^-\\s+(.+?) \\(reserved=\\d+KB, committed=(\\d+)KB\\)");
  /** Rows of the diff: enough to account for nearly all of the growth. */
  private static final int TOP = 60;

  private Histograms() {}

  /** Writes {@code <server>-{before,after}.histo|.nmt} and {@code <server>-diff.txt} under {@code dir}. */
  static Path write(Path dir, String server, ServerProcess.Live before, ServerProcess.Live after, int connections) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(server + "-before.histo"), before.histogram(), StandardCharsets.UTF_8);
      Files.writeString(dir.resolve(server + "-after.histo"), after.histogram(), StandardCharsets.UTF_8);
      Files.writeString(dir.resolve(server + "-before.nmt"), before.nmt(), StandardCharsets.UTF_8);
      Files.writeString(dir.resolve(server + "-after.nmt"), after.nmt(), StandardCharsets.UTF_8);
      Path diff = dir.resolve(server + "-diff.txt");
      Files.writeString(diff, diff(before, after, connections), StandardCharsets.UTF_8);
      return diff;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static String diff(ServerProcess.Live before, ServerProcess.Live after, int connections) {
    Map<String, long[]> b = rows(before.histogram());
    Map<String, long[]> a = rows(after.histogram());
    Set<String> classes = new HashSet<>(a.keySet());
    classes.addAll(b.keySet());
    long totalBytes = 0;
    List<Map.Entry<String, long[]>> deltas = new ArrayList<>();
    for (String c : classes) {
      long[] x = b.getOrDefault(c, new long[2]);
      long[] y = a.getOrDefault(c, new long[2]);
      long[] d = {y[0] - x[0], y[1] - x[1]};
      totalBytes += d[1];
      deltas.add(Map.entry(c, d));
    }
    deltas.sort((p, q) -> Long.compare(q.getValue()[1], p.getValue()[1]));
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%d connections; heap %+.1f B/conn, live (heap + NMT Other) %+.1f B/conn%n%n",
        connections, totalBytes / (double) connections, (after.bytes() - before.bytes()) / (double) connections));
    sb.append(String.format(Locale.ROOT, "%12s %10s %12s  %s%n", "B/conn", "inst/conn", "bytes", "class"));
    int shown = 0;
    for (Map.Entry<String, long[]> e : deltas) {
      if (shown++ == TOP) {
        break;
      }
      long[] d = e.getValue();
      sb.append(String.format(Locale.ROOT, "%12.1f %10.2f %12d  %s%n", d[1] / (double) connections,
          d[0] / (double) connections, d[1], e.getKey()));
    }
    sb.append(String.format(Locale.ROOT, "%nNMT committed growth (KB total, B/conn)%n"));
    Map<String, Long> nb = nmt(before.nmt());
    for (Map.Entry<String, Long> e : nmt(after.nmt()).entrySet()) {
      long d = e.getValue() - nb.getOrDefault(e.getKey(), 0L);
      if (d != 0) {
        sb.append(String.format(Locale.ROOT, "%10d %10.1f  %s%n", d, d * 1024.0 / connections, e.getKey()));
      }
    }
    return sb.toString();
  }

  private static Map<String, long[]> rows(String histogram) {
    Map<String, long[]> m = new HashMap<>();
    for (String line : histogram.split("\n")) {
      Matcher r = ROW.matcher(line);
      if (r.find()) {
        m.merge(r.group(3), new long[] {Long.parseLong(r.group(1)), Long.parseLong(r.group(2))},
            (x, y) -> new long[] {x[0] + y[0], x[1] + y[1]});
      }
    }
    return m;
  }

  private static Map<String, Long> nmt(String summary) {
    Map<String, Long> m = new java.util.LinkedHashMap<>();
    for (String line : summary.split("\n")) {
      Matcher r = NMT_ROW.matcher(line.trim());
      if (r.find()) {
        m.put(r.group(1), Long.parseLong(r.group(2)));
      }
    }
    return m;
  }
}

package io.herald.test;

import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A scrape of {@code GET /metrics}, parsed from the Prometheus text format. */
public final class Prometheus {
  private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private record Sample(String name, Map<String, String> labels, double value) {}

  private final List<Sample> samples = new ArrayList<>();

  private Prometheus(String text) {
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches()) {
        throw new AssertionError("not a Prometheus sample line: " + line);
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(3) != null) {
        Matcher l = LABEL.matcher(m.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
    }
  }

  public static Prometheus parse(String text) {
    return new Prometheus(text);
  }

  /** Scrapes {@code /metrics} of the node on {@code port} (no token). */
  public static Prometheus scrape(int port) {
    Http.Response r = Http.request(HttpMethod.GET, port, "/metrics", null, null);
    if (r.status() != 200) {
      throw new AssertionError("GET /metrics answered " + r.status() + ": " + r.text());
    }
    return new Prometheus(r.text());
  }

  /** Scrapes until {@code until} holds (a counter catching up with an asynchronous close), for 10 s at most. */
  public static Prometheus awaitScrape(int port, Predicate<Prometheus> until) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      Prometheus p = scrape(port);
      if (until.test(p)) {
        return p;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the scraped meters never met the condition");
      }
      Thread.onSpinWait();
    }
  }

  /** Every sample name, sorted. */
  public java.util.SortedSet<String> names() {
    java.util.SortedSet<String> out = new java.util.TreeSet<>();
    samples.forEach(s -> out.add(s.name));
    return out;
  }

  /** Whether any sample has this name. */
  public boolean has(String name) {
    return samples.stream().anyMatch(s -> s.name.equals(name));
  }

  /** The sum of the samples named {@code name} whose labels include {@code labels} (name, value pairs); 0 when none. */
  public double value(String name, String... labels) {
    double sum = 0;
    for (Sample s : samples) {
      if (s.name.equals(name) && matches(s.labels, labels)) {
        sum += s.value;
      }
    }
    return sum;
  }

  private static boolean matches(Map<String, String> have, String[] want) {
    for (int i = 0; i + 1 < want.length; i += 2) {
      if (!want[i + 1].equals(have.get(want[i]))) {
        return false;
      }
    }
    return true;
  }
}

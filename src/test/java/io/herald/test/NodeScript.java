package io.herald.test;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Runs a Node.js script from {@code src/test/js} (where the Maven build installed the npm clients)
 * and reads what it reports: one JSON object per stdout line. Other lines and stderr are kept for
 * failure messages. The test awaits lines with bounded waits and may write lines to its stdin.
 */
public final class NodeScript implements AutoCloseable {
  public static final Path DIR = Path.of("src", "test", "js").toAbsolutePath();

  private final Process process;
  private final LinkedBlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
  private final List<String> output = Collections.synchronizedList(new ArrayList<>());
  /** Reported objects no expect has consumed yet (test thread only). */
  private final List<JsonObject> backlog = new ArrayList<>();

  private NodeScript(Process process) {
    this.process = process;
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          output.add(line);
          if (line.startsWith("{")) {
            try {
              events.add(new JsonObject(line));
            } catch (RuntimeException ignored) {
              // not a report line
            }
          }
        }
      } catch (IOException ignored) {
        // the script ended
      }
    }, "node-script-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code node <script> args...} in src/test/js with extra environment variables. */
  public static NodeScript start(String script, Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>(List.of("node", script));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(DIR.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    try {
      return new NodeScript(pb.start());
    } catch (IOException e) {
      throw new IllegalStateException("cannot run node (is Node.js installed?)", e);
    }
  }

  /**
   * The first reported object matching {@code p} that no earlier expect consumed (bounded wait).
   * Objects that do not match stay available for later expects, so independent events may be
   * awaited in any order; objects matching the same predicate are consumed in report order.
   */
  public JsonObject expect(Predicate<JsonObject> p, String what) {
    for (java.util.Iterator<JsonObject> it = backlog.iterator(); it.hasNext(); ) {
      JsonObject e = it.next();
      if (p.test(e)) {
        it.remove();
        return e;
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    try {
      while (System.nanoTime() < deadline) {
        JsonObject e = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (e == null) {
          continue;
        }
        if (p.test(e)) {
          return e;
        }
        backlog.add(e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new AssertionError("the script reported no " + what + " within 20 s; output:\n" + output());
  }

  /** Forgets every reported object that no expect has consumed so far. */
  public void discardUnconsumed() {
    backlog.clear();
  }

  /** The next reported object whose {@code type} is {@code type}. */
  public JsonObject expect(String type) {
    return expect(e -> type.equals(e.getString("type")), "'" + type + "'");
  }

  /** Writes one line to the script's stdin (commands for interactive scripts). */
  public void tell(String line) {
    try {
      OutputStream in = process.getOutputStream();
      in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
    } catch (IOException e) {
      throw new AssertionError("the script is gone; output:\n" + String.join("\n", output), e);
    }
  }

  public int awaitExit(int seconds) {
    try {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        throw new AssertionError("script still running after " + seconds + " s; output:\n" + String.join("\n", output));
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  public String output() {
    synchronized (output) { // a synchronized list must be locked while it is iterated
      return String.join("\n", output);
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}

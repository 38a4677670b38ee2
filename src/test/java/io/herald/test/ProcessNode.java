package io.herald.test;

import io.herald.config.HeraldConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Herald node in its own JVM (the real main class), for tests that signal or kill a process.
 * Its output is collected; {@link #awaitLine} waits for a log line.
 */
public final class ProcessNode implements AutoCloseable {
  /** The module flags a Herald JVM needs (as pom.xml's herald.jvm.opens and scripts/lib.sh). */
  public static final List<String> HERALD_OPENS = List.of(
      "--add-modules", "java.se",
      "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

  private static final List<String> JVM_FLAGS = java.util.stream.Stream.concat(HERALD_OPENS.stream(),
      java.util.stream.Stream.of("-Xmx256m", "-XX:TieredStopAtLevel=1")).toList();

  private final Process process;
  private final int httpPort;
  private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());

  private ProcessNode(Process process, int httpPort) {
    this.process = process;
    this.httpPort = httpPort;
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
          log.add(line);
        }
      } catch (IOException ignored) {
        // process ended
      }
    }, "process-node-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts a node in the same cluster as {@code cluster} (a config from {@link TestNodes}). */
  public static ProcessNode start(HeraldConfig cluster) {
    return start(cluster, Map.of());
  }

  /** As {@link #start(HeraldConfig)}, with extra environment variables (HERALD_* overrides). */
  public static ProcessNode start(HeraldConfig cluster, Map<String, String> extraEnv) {
    int port = TestNodes.freePort();
    try {
      Path workDir = Files.createTempDirectory("herald-node");
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(JVM_FLAGS);
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add("io.herald.Herald");
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
      Map<String, String> env = pb.environment();
      env.keySet().removeIf(k -> k.startsWith("HERALD_"));
      env.put("HERALD_HTTP_HOST", "127.0.0.1");
      env.put("HERALD_HTTP_PORT", Integer.toString(port));
      env.put("HERALD_CLUSTER_NAME", cluster.clusterName);
      env.put("HERALD_CLUSTER_PORT", Integer.toString(cluster.clusterPort));
      env.put("HERALD_CLUSTER_MEMBERS", String.join(",", cluster.clusterMembers));
      env.put("HERALD_JWT_SECRET", cluster.jwtSecret);
      env.put("HERALD_NODE_EVENT_LOOPS", "2");
      env.put("HERALD_PG_URL", cluster.pgUrl);
      env.putAll(extraEnv);
      ProcessNode node = new ProcessNode(pb.start(), port);
      node.awaitLine("ready:", 60);
      return node;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public int httpPort() {
    return httpPort;
  }

  public Process process() {
    return process;
  }

  /** Waits for an output line containing {@code text}; fails with the log so far. */
  public String awaitLine(String text, int seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    try {
      while (System.nanoTime() < deadline) {
        String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (line != null && line.contains(text)) {
          return line;
        }
        if (line == null && !process.isAlive()) {
          break;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new AssertionError("no line containing '" + text + "' within " + seconds + " s; output:\n" + String.join("\n", log));
  }

  /** Waits for the process to exit; returns its exit code. */
  public int awaitExit(int seconds) {
    try {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        throw new AssertionError("process still running after " + seconds + " s; output:\n" + String.join("\n", log));
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  public String output() {
    return String.join("\n", log);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

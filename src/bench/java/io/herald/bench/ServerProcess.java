package io.herald.bench;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server under test in its own process: its output goes to a log file, and the bench reads its
 * CPU time and memory from outside (/proc, jcmd, or the Node server's /stats).
 */
final class ServerProcess implements AutoCloseable {
  /** The options every server JVM gets (Herald's required opens, one heap size, NMT for direct memory). */
  static final List<String> JVM_OPTIONS = java.util.stream.Stream.concat(
      io.herald.test.ProcessNode.HERALD_OPENS.stream(),
      java.util.stream.Stream.of("-Xms512m", "-Xmx1g", "-XX:+UseG1GC", "-XX:NativeMemoryTracking=summary",
          "-Dhazelcast.logging.type=slf4j", "-Dhazelcast.phone.home.enabled=false")).toList();

  private static final long CLOCK_TICKS_PER_SECOND = 100;
  private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$");
  private static final Pattern NMT_OTHER = Pattern.compile("-\\s+Other \\(reserved=\\d+KB, committed=(\\d+)KB\\)");

  final String name;
  final boolean jvm;
  final int port;
  private final Process process;
  private final CountDownLatch ready = new CountDownLatch(1);
  private volatile boolean sawReady;

  private final Path log;

  private ServerProcess(String name, boolean jvm, int port, Process process, String readyText, Path log,
      Consumer<String> lines) throws IOException {
    this.name = name;
    this.jvm = jvm;
    this.port = port;
    this.process = process;
    this.log = log;
    PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true);
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          out.println(line);
          lines.accept(line);
          if (!sawReady && line.contains(readyText)) {
            sawReady = true;
            ready.countDown();
          }
        }
      } catch (IOException ignored) {
        // the process ended
      } finally {
        out.close();
        ready.countDown(); // the process ended: awaitReady need not wait longer
      }
    }, name + "-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code command} and waits (at most {@code timeoutSeconds}) for a line containing {@code readyText}. */
  static ServerProcess start(String name, boolean jvm, int port, List<String> command, Map<String, String> env,
      String readyText, Path logDir, int timeoutSeconds) {
    ServerProcess server = launch(name, jvm, port, command, env, readyText, logDir, line -> { });
    server.awaitReady(timeoutSeconds);
    return server;
  }

  /**
   * Starts {@code command} without waiting; every output line goes to {@code logDir/name.log} and to
   * {@code lines} (on the output reader's thread). {@link #awaitReady} waits for {@code readyText}.
   */
  static ServerProcess launch(String name, boolean jvm, int port, List<String> command, Map<String, String> env,
      String readyText, Path logDir, Consumer<String> lines) {
    try {
      Files.createDirectories(logDir);
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
      pb.environment().keySet().removeIf(k -> k.startsWith("HERALD_"));
      pb.environment().putAll(env);
      pb.environment().putAll(EXTRA_ENV);
      return new ServerProcess(name, jvm, port, pb.start(), readyText, logDir.resolve(name + ".log"), lines);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + name + ": " + e.getMessage(), e);
    }
  }

  /** Waits (at most {@code timeoutSeconds}) for the ready line; on failure stops the process and names its log. */
  void awaitReady(int timeoutSeconds) {
    try {
      boolean ended = ready.await(timeoutSeconds, TimeUnit.SECONDS);
      if (!sawReady) {
        close();
        throw new IllegalStateException(name + (ended ? " exited before it was ready" : " not ready within " + timeoutSeconds + " s")
            + "; see " + log.toAbsolutePath());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  Path log() {
    return log;
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Closes the process's standard input (the load workers' signal to let go of their sockets). */
  void closeStdin() {
    try {
      process.getOutputStream().close();
    } catch (IOException ignored) {
      // the process already ended
    }
  }

  /** Writes one line to the process's standard input. */
  void writeLine(String line) {
    try {
      process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
    } catch (IOException e) {
      throw new IllegalStateException(name + " does not read its input (exited?); see " + log.toAbsolutePath(), e);
    }
  }

  /** Waits at most {@code seconds} for the process to exit by itself; then stops it. */
  void awaitExit(int seconds) {
    try {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Extra options for every server JVM from {@code BENCH_SERVER_JAVA_OPTS} (space-separated), for
   * profiling: e.g. an async-profiler agent (docs/benchmarks.md#profiling).
   */
  private static final List<String> ENV_OPTIONS = envOptions(System.getenv("BENCH_SERVER_JAVA_OPTS"));

  static List<String> envOptions(String value) {
    return value == null || value.isBlank() ? List.of() : List.of(value.trim().split("\\s+"));
  }

  /**
   * {@code BENCH_SERVER_ENV}: extra variables for every server process, space-separated
   * {@code NAME=value} pairs, for an A/B of a setting (e.g. {@code HERALD_METRICS_ENABLED=false}).
   */
  private static final Map<String, String> EXTRA_ENV = envPairs(System.getenv("BENCH_SERVER_ENV"));

  static Map<String, String> envPairs(String value) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    for (String pair : envOptions(value)) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("BENCH_SERVER_ENV: '" + pair + "' is not NAME=value");
      }
      out.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    return out;
  }

  /**
   * {@code BENCH_HERALD_CLASSES}: another build's {@code target/classes}, which Herald's server JVMs
   * run instead of this build's (an A/B of two commits with one harness: build the other commit in
   * a worktree, point this at its classes). Its dependencies must match this build's.
   */
  private static final String HERALD_CLASSES = System.getenv("BENCH_HERALD_CLASSES");

  /** A JVM with {@link #JVM_OPTIONS}, then {@code extraOptions}, on the bench's classpath. */
  static List<String> javaCommand(List<String> extraOptions, String mainClass, String... args) {
    String classpath = System.getProperty("java.class.path");
    if (HERALD_CLASSES != null && !HERALD_CLASSES.isBlank() && mainClass.equals("io.herald.Herald")) {
      List<String> entries = new ArrayList<>();
      for (String e : classpath.split(java.io.File.pathSeparator)) {
        entries.add(e.endsWith("target/classes") || e.endsWith("target/classes/") ? HERALD_CLASSES : e);
      }
      classpath = String.join(java.io.File.pathSeparator, entries);
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JVM_OPTIONS);
    cmd.addAll(ENV_OPTIONS);
    cmd.addAll(extraOptions);
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    return cmd;
  }

  long pid() {
    return process.pid();
  }

  /** User plus system CPU time of the process so far, in nanoseconds (/proc/PID/stat, fields 14 and 15). */
  long cpuNanos() {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      return ticks * (1_000_000_000L / CLOCK_TICKS_PER_SECOND);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The CPU time of all {@code servers} so far, in nanoseconds. */
  static long cpuNanos(List<ServerProcess> servers) {
    long sum = 0;
    for (ServerProcess s : servers) {
      sum += s.cpuNanos();
    }
    return sum;
  }

  /** Resident set size in bytes (/proc/PID/status VmRSS). */
  long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
      return -1;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Live memory after a full GC: for a JVM, the heap histogram total (jcmd GC.class_histogram forces
   * a full GC) plus the NMT "Other" category (direct and Netty no-cleaner buffers); for Node,
   * heapUsed + external after global.gc().
   */
  long liveBytes() {
    if (!jvm) {
      try {
        HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/stats")).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
        JsonObject m = new JsonObject(r.body());
        return m.getLong("heapUsed") + m.getLong("external");
      } catch (IOException e) {
        throw new IllegalStateException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    // Both commands in one jcmd run (one JVM start instead of two): the histogram first, then NMT.
    String out;
    try {
      Path commands = Files.createTempFile("bench-jcmd", ".txt");
      try {
        Files.writeString(commands, "GC.class_histogram\nVM.native_memory summary\n");
        out = jcmd("-f", commands.toString());
      } finally {
        Files.deleteIfExists(commands);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    keepHistogram(out);
    Matcher total = HISTOGRAM_TOTAL.matcher(out);
    if (!total.find()) {
      throw new IllegalStateException("no heap histogram total from jcmd " + pid() + ": " + out);
    }
    long heap = Long.parseLong(total.group(1));
    Matcher m = NMT_OTHER.matcher(out);
    long direct = m.find() ? Long.parseLong(m.group(1)) * 1024 : 0;
    return heap + direct;
  }

  private static final java.util.concurrent.atomic.AtomicInteger HISTOGRAMS = new java.util.concurrent.atomic.AtomicInteger();

  /**
   * With {@code BENCH_HISTOGRAMS=<dir>}, every heap histogram the bench takes is also written there
   * ({@code NNN-<server>.txt}, in the order taken), for a class-by-class diff of an idle run
   * (docs/benchmarks.md, "Memory per idle connection").
   */
  private void keepHistogram(String jcmdOutput) {
    String dir = System.getenv("BENCH_HISTOGRAMS");
    if (dir == null || dir.isBlank()) {
      return;
    }
    try {
      Path d = Files.createDirectories(Path.of(dir));
      Files.writeString(d.resolve(String.format(java.util.Locale.ROOT, "%03d-%s.txt", HISTOGRAMS.incrementAndGet(), name)),
          jcmdOutput);
    } catch (IOException e) {
      throw new IllegalStateException("could not keep the heap histogram in " + dir, e);
    }
  }

  /** Records a JFR of the server for {@code seconds} into {@code file} (JVM servers only). */
  void startJfr(Path file, int seconds) {
    jcmd("JFR.start", "name=bench", "settings=profile", "duration=" + seconds + "s", "filename=" + file.toAbsolutePath());
  }

  private String jcmd(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
    cmd.add(Long.toString(pid()));
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("jcmd " + String.join(" ", args) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Kills the process at once (SIGKILL), as a node crash would, and waits for it to be gone. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Asks the process to stop (SIGTERM) without waiting; {@link #close} then waits for it. */
  void signalStop() {
    if (process.isAlive()) {
      process.destroy();
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

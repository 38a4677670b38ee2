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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server under test in its own process: its output goes to a log file, and the bench reads its
 * CPU time and memory from outside (/proc, jcmd, or the Node server's /stats).
 */
final class ServerProcess implements AutoCloseable {
  /** The options every server JVM gets (Herald's required opens, one heap size, NMT for direct memory). */
  static final List<String> JVM_OPTIONS = List.of(
      "--add-modules", "java.se",
      "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
      "-Xms512m", "-Xmx1g", "-XX:+UseG1GC", "-XX:NativeMemoryTracking=summary",
      "-Dhazelcast.logging.type=slf4j", "-Dhazelcast.phone.home.enabled=false");

  private static final long CLOCK_TICKS_PER_SECOND = 100;
  private static final Pattern NMT_OTHER = Pattern.compile("-\\s+Other \\(reserved=\\d+KB, committed=(\\d+)KB\\)");

  final String name;
  final boolean jvm;
  final int port;
  private final Process process;
  private final CountDownLatch ready = new CountDownLatch(1);

  private ServerProcess(String name, boolean jvm, int port, Process process, String readyText, Path log) throws IOException {
    this.name = name;
    this.jvm = jvm;
    this.port = port;
    this.process = process;
    PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true);
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          out.println(line);
          if (line.contains(readyText)) {
            ready.countDown();
          }
        }
      } catch (IOException ignored) {
        // the process ended
      } finally {
        out.close();
      }
    }, name + "-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code command} and waits (at most {@code timeoutSeconds}) for a line containing {@code readyText}. */
  static ServerProcess start(String name, boolean jvm, int port, List<String> command, java.util.Map<String, String> env,
      String readyText, Path logDir, int timeoutSeconds) {
    try {
      Files.createDirectories(logDir);
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
      pb.environment().keySet().removeIf(k -> k.startsWith("HERALD_"));
      pb.environment().putAll(env);
      ServerProcess server = new ServerProcess(name, jvm, port, pb.start(), readyText, logDir.resolve(name + ".log"));
      if (!server.ready.await(timeoutSeconds, TimeUnit.SECONDS)) {
        server.close();
        throw new IllegalStateException(name + " not ready within " + timeoutSeconds + " s; see " + logDir.resolve(name + ".log"));
      }
      return server;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static List<String> javaCommand(String mainClass, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JVM_OPTIONS);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
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
   * heapUsed + external after global.gc(). A JVM's reading keeps the histogram and NMT summary it
   * came from, for per-class diffs ({@code --histograms}).
   */
  Live live() {
    if (!jvm) {
      try {
        HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/stats")).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
        JsonObject m = new JsonObject(r.body());
        return new Live(m.getLong("heapUsed") + m.getLong("external"), null, null);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    String histogram = jcmd("GC.class_histogram");
    String[] lines = histogram.strip().split("\n");
    String[] total = lines[lines.length - 1].trim().split("\\s+");
    long heap = Long.parseLong(total[total.length - 1]);
    String nmt = jcmd("VM.native_memory", "summary");
    Matcher m = NMT_OTHER.matcher(nmt);
    long direct = m.find() ? Long.parseLong(m.group(1)) * 1024 : 0;
    return new Live(heap + direct, histogram, nmt);
  }

  /** Live bytes, and for a JVM the class histogram and NMT summary they were read from (else null). */
  record Live(long bytes, String histogram, String nmt) {}

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

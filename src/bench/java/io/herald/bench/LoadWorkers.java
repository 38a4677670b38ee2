package io.herald.bench;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Load-worker processes ({@link LoadWorker}) holding one idle run's connections between them:
 * started together, told to connect at once, then held until {@link #close}. Each worker gets its
 * own loopback source address and at most {@code perWorker} connections.
 */
final class LoadWorkers implements AutoCloseable {
  /** What all workers opened, and the time from the start signal until the last one finished. */
  record Result(int opened, int failed, long elapsedNanos, int workers) {
    double ratePerSecond() {
      return opened / (elapsedNanos / 1e9);
    }
  }

  private final List<ServerProcess> workers = new ArrayList<>();
  private final List<AtomicReference<JsonObject>> connected = new ArrayList<>();

  private LoadWorkers() {}

  /**
   * Starts enough workers for {@code slices} (a slice may be split between two workers), each
   * with one address from {@code sources}, and waits until every one is started (at most 60 s).
   */
  static LoadWorkers start(String name, ServerKind kind, List<LoadClient.Slice> slices, int perWorker,
      SourceAddresses sources, int concurrency, long connectTimeoutMs, Path logs, List<String> jvmOptions) {
    List<List<LoadClient.Slice>> shares = split(slices, perWorker);
    int eachConcurrency = Math.max(10, concurrency / shares.size());
    long maxHoldSeconds = connectTimeoutMs / 1000 + 900;
    LoadWorkers pool = new LoadWorkers();
    try {
      for (int w = 0; w < shares.size(); w++) {
        List<String> args = new ArrayList<>(List.of(kind.label, sources.next(), Integer.toString(eachConcurrency),
            Long.toString(connectTimeoutMs), Long.toString(maxHoldSeconds)));
        for (LoadClient.Slice s : shares.get(w)) {
          args.add(s.port() + ":" + s.firstUser() + ":" + s.count());
        }
        AtomicReference<JsonObject> done = new AtomicReference<>();
        pool.connected.add(done);
        pool.workers.add(ServerProcess.launch(name + "-" + (w + 1), true, 0,
            workerCommand(jvmOptions, args), Map.of(), LoadWorker.PREFIX + "{\"event\":\"started\"", logs, line -> {
              if (line.startsWith(LoadWorker.PREFIX + "{\"event\":\"connected\"")) {
                done.set(new JsonObject(line.substring(LoadWorker.PREFIX.length())));
              }
            }));
      }
      pool.workers.forEach(p -> p.awaitReady(60));
      return pool;
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  /** Tells every worker to connect and waits (bounded by {@code timeoutMs}) until each has reported. */
  Result connect(Vertx vertx, long timeoutMs) {
    long start = System.nanoTime();
    workers.forEach(w -> w.writeLine("go"));
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(timeoutMs + 30_000);
    while (connected.stream().anyMatch(c -> c.get() == null) && System.nanoTime() < deadline
        && workers.stream().allMatch(ServerProcess::alive)) {
      vertx.timer(100).await();
    }
    long elapsed = System.nanoTime() - start;
    int opened = 0;
    int failed = 0;
    for (int w = 0; w < workers.size(); w++) {
      JsonObject c = connected.get(w).get();
      if (c == null) {
        throw new IllegalStateException(workers.get(w).name + " did not report its connections; see "
            + workers.get(w).log().toAbsolutePath());
      }
      opened += c.getInteger("opened");
      failed += c.getInteger("failed");
    }
    return new Result(opened, failed, elapsed, workers.size());
  }

  /** Lets every worker close its sockets and exit (bounded: each is stopped after 40 s). */
  @Override
  public void close() {
    workers.forEach(ServerProcess::closeStdin);
    workers.forEach(w -> w.awaitExit(40));
  }

  /** Splits the slices, in order, into as few near-equal shares of at most {@code perWorker} connections as fit. */
  static List<List<LoadClient.Slice>> split(List<LoadClient.Slice> slices, int perWorker) {
    int total = slices.stream().mapToInt(LoadClient.Slice::count).sum();
    int workers = Math.max(1, (total + perWorker - 1) / perWorker);
    int perShare = (total + workers - 1) / workers;
    List<List<LoadClient.Slice>> shares = new ArrayList<>();
    List<LoadClient.Slice> current = new ArrayList<>();
    int room = perShare;
    for (LoadClient.Slice slice : slices) {
      int first = slice.firstUser();
      int left = slice.count();
      while (left > 0) {
        int take = Math.min(left, room);
        current.add(new LoadClient.Slice(slice.port(), first, take));
        first += take;
        left -= take;
        room -= take;
        if (room == 0) {
          shares.add(current);
          current = new ArrayList<>();
          room = perShare;
        }
      }
    }
    if (!current.isEmpty()) {
      shares.add(current);
    }
    return shares;
  }

  /** The worker JVM: the bench's classpath, a heap sized for ~20k client sockets. */
  private static List<String> workerCommand(List<String> jvmOptions, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-Xmx1g", "-XX:+UseG1GC"));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), LoadWorker.class.getName()));
    cmd.addAll(args);
    return cmd;
  }
}

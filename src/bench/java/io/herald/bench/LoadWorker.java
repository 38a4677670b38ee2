package io.herald.bench;

import io.herald.test.Tokens;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Timer;
import java.util.TimerTask;

/**
 * A child load generator for the big idle runs. One process may open at most 20,000 files here, so
 * a run of more connections than one JVM can hold is spread over several of these, each on its own
 * loopback source address. Started by {@link LoadWorkers} with the bench's classpath.
 *
 * <p>Usage: {@code LoadWorker <server-kind-label> <source-address> <concurrency> <connect-timeout-ms>
 * <max-hold-seconds> <port:firstUser:count>...}. It prints, one JSON object per line after the
 * prefix {@value #PREFIX}: {@code {"event":"started"}}; after the line {@code go} on stdin,
 * {@code {"event":"connected","opened":..,"failed":..,"elapsedNanos":..}}; then it holds its sockets
 * until stdin closes (or {@code max-hold-seconds} pass), closes them and prints
 * {@code {"event":"closed"}}. Every other line is log output.
 */
public final class LoadWorker {
  static final String PREFIX = "bench-worker ";

  private LoadWorker() {}

  public static void main(String[] args) throws IOException {
    ServerKind kind = ServerKind.valueOfLabel(args[0]);
    String source = args[1];
    int concurrency = Integer.parseInt(args[2]);
    long timeoutMs = Long.parseLong(args[3]);
    long maxHoldSeconds = Long.parseLong(args[4]);
    List<LoadClient.Slice> slices = new ArrayList<>();
    for (int i = 5; i < args.length; i++) {
      String[] p = args[i].split(":");
      slices.add(new LoadClient.Slice(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])));
    }
    // A worker whose bench died must not hold sockets forever: it exits after max-hold-seconds.
    Timer guard = new Timer("max-hold", true);
    guard.schedule(new TimerTask() {
      @Override
      public void run() {
        System.err.println("held for " + maxHoldSeconds + " s without being told to stop: exiting");
        Runtime.getRuntime().halt(3);
      }
    }, maxHoldSeconds * 1000);
    Tokens.service(); // creates the token signer here, not on a load-generator event loop
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    emit(new JsonObject().put("event", "started"));
    if (!"go".equals(in.readLine())) {
      System.exit(0); // the bench gave up before the start
    }
    try (LoadClient load = new LoadClient(List.of(source))) {
      LoadClient.ConnectResult c = load.connect(kind, slices, null, false, concurrency, timeoutMs);
      emit(new JsonObject().put("event", "connected").put("opened", c.opened()).put("failed", c.failed())
          .put("elapsedNanos", c.elapsedNanos()));
      while (in.readLine() != null) {
        // hold the sockets until the bench closes our stdin
      }
    }
    emit(new JsonObject().put("event", "closed"));
    guard.cancel();
    System.exit(0);
  }

  private static void emit(JsonObject event) {
    System.out.println(PREFIX + event.encode());
    System.out.flush();
  }
}

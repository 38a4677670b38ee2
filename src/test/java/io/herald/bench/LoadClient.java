package io.herald.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The load generator: WebSocket members spread over loopback source addresses, and a paced HTTP
 * publisher. Every loop is bounded in count and time; every address is loopback.
 */
final class LoadClient implements AutoCloseable {
  /** Connections per loopback source address (the ephemeral port range holds ~28k). */
  static final int CONNECTIONS_PER_SOURCE = 20_000;
  private static final String HOST = "127.0.0.1";

  private final Vertx vertx = Vertx.vertx();
  private final List<WebSocketClient> wsClients = new ArrayList<>();
  private final ConcurrentLinkedQueue<WebSocket> sockets = new ConcurrentLinkedQueue<>();
  private final AtomicLong received = new AtomicLong();
  private final Recorder latency = new Recorder(3);
  private final ServerKind.TokenIn tokenIn;

  LoadClient(int sources) {
    this(sources, ServerKind.TokenIn.QUERY);
  }

  LoadClient(int sources, ServerKind.TokenIn tokenIn) {
    this.tokenIn = tokenIn;
    for (int i = 1; i <= sources; i++) {
      wsClients.add(vertx.createWebSocketClient(new WebSocketClientOptions()
          .setLocalAddress("127.0.0." + i).setMaxConnections(1_000_000).setConnectTimeout(10_000)));
    }
  }

  static int sourcesFor(int connections) {
    return Math.max(1, (connections + CONNECTIONS_PER_SOURCE - 1) / CONNECTIONS_PER_SOURCE);
  }

  record ConnectResult(int opened, int failed, long elapsedNanos) {
    double ratePerSecond() {
      return opened / (elapsedNanos / 1e9);
    }
  }

  /**
   * Opens {@code n} connections (users {@code firstUser..}), {@code concurrency} at a time, until all
   * are ready or {@code timeoutMs} passes; {@code room} null means no room.
   */
  ConnectResult connect(ServerKind kind, int port, int firstUser, int n, String room, int concurrency, long timeoutMs) {
    long start = System.nanoTime();
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    AtomicInteger next = new AtomicInteger();
    AtomicInteger opened = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger finishedChains = new AtomicInteger();
    int chains = Math.min(concurrency, n);
    Promise<Void> all = Promise.promise();
    for (int c = 0; c < chains; c++) {
      vertx.runOnContext(v -> chain(kind, port, firstUser, n, room, next, opened, failed, deadline, () -> {
        if (finishedChains.incrementAndGet() == chains) {
          all.tryComplete();
        }
      }));
    }
    try {
      all.future().await(timeoutMs + 15_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // reported below as failures
    }
    return new ConnectResult(opened.get(), n - opened.get(), System.nanoTime() - start);
  }

  private void chain(ServerKind kind, int port, int firstUser, int n, String room, AtomicInteger next,
      AtomicInteger opened, AtomicInteger failed, long deadline, Runnable done) {
    int i = next.getAndIncrement();
    if (i >= n || System.nanoTime() > deadline) {
      done.run();
      return;
    }
    openOne(kind, port, firstUser + i, room, i).onComplete(ar -> {
      if (ar.succeeded()) {
        opened.incrementAndGet();
      } else {
        failed.incrementAndGet();
      }
      chain(kind, port, firstUser, n, room, next, opened, failed, deadline, done);
    });
  }

  private Future<Void> openOne(ServerKind kind, int port, int user, String room, int index) {
    Promise<Void> ready = Promise.promise();
    WebSocketClient client = wsClients.get((index / CONNECTIONS_PER_SOURCE) % wsClients.size());
    client.connect(kind.connectOptions(user, room, tokenIn).setHost(HOST).setPort(port))
        .onFailure(ready::tryFail)
        .onSuccess(ws -> {
          sockets.add(ws);
          ws.textMessageHandler(frame -> onFrame(kind, ws, frame, room, ready));
          ws.closeHandler(v -> ready.tryFail("closed before ready"));
          kind.onOpen(ws, user, tokenIn);
          if (kind.readyOnOpen()) {
            ready.tryComplete();
          }
        });
    vertx.setTimer(15_000, t -> ready.tryFail("not ready within 15 s"));
    return ready.future();
  }

  private void onFrame(ServerKind kind, WebSocket ws, String frame, String room, Promise<Void> ready) {
    int at = frame.indexOf("\"t\":");
    if (at >= 0) {
      long now = System.nanoTime();
      received.incrementAndGet();
      latency.recordValue(Math.max(0, now - parseLong(frame, at + 4)));
    } else if (kind.onControlFrame(ws, frame, room)) {
      ready.tryComplete();
    }
  }

  private static long parseLong(String s, int from) {
    long v = 0;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        break;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  long received() {
    return received.get();
  }

  /** The latency histogram (ns) since the previous call. */
  Histogram takeLatency() {
    return latency.getIntervalHistogram();
  }

  int openSockets() {
    return sockets.size();
  }

  record PublishResult(long sent, long failed, long skipped, long elapsedNanos) {}

  /**
   * Publishes to {@code room} at {@code ratePerSecond} for {@code durationMs}, paced every 5 ms,
   * with at most {@code maxInFlight} requests outstanding (a send that would exceed it is skipped and
   * counted: the server did not keep up).
   */
  PublishResult publish(ServerKind kind, int port, String room, double ratePerSecond, long durationMs, int maxInFlight) {
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
        .setDefaultHost(HOST).setDefaultPort(port), new PoolOptions().setHttp1MaxSize(64));
    String auth = kind.publishAuthorization();
    AtomicLong sent = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong skipped = new AtomicLong();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicLong due = new AtomicLong();
    long start = System.nanoTime();
    Promise<Void> finished = Promise.promise();
    vertx.runOnContext(v0 -> {
      long timer = vertx.setPeriodic(5, t -> {
        long elapsed = System.nanoTime() - start;
        long target = (long) (Math.min(elapsed, TimeUnit.MILLISECONDS.toNanos(durationMs)) / 1e9 * ratePerSecond);
        while (due.get() < target) {
          due.incrementAndGet();
          if (inFlight.get() >= maxInFlight) {
            skipped.incrementAndGet();
            continue;
          }
          inFlight.incrementAndGet();
          RequestOptions req = new RequestOptions().setMethod(HttpMethod.POST).setURI(kind.publishPath(room))
              .putHeader("content-type", "application/json");
          if (auth != null) {
            req.putHeader("authorization", auth);
          }
          http.request(req)
              .compose(r -> r.send(kind.publishBody(System.nanoTime())))
              .compose(resp -> resp.body().map(b -> resp.statusCode()))
              .onComplete(ar -> {
                inFlight.decrementAndGet();
                if (ar.succeeded() && ar.result() < 300) {
                  sent.incrementAndGet();
                } else {
                  failed.incrementAndGet();
                }
              });
        }
        if (elapsed >= TimeUnit.MILLISECONDS.toNanos(durationMs)) {
          vertx.cancelTimer(t);
          finished.tryComplete();
        }
      });
      vertx.setTimer(durationMs + 10_000, x -> {
        vertx.cancelTimer(timer);
        finished.tryComplete();
      });
    });
    finished.future().await();
    long elapsed = System.nanoTime() - start;
    // let the outstanding requests answer (bounded)
    long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (inFlight.get() > 0 && System.nanoTime() < drainDeadline) {
      pause(5);
    }
    http.close();
    return new PublishResult(sent.get(), failed.get() + inFlight.get(), skipped.get(), elapsed);
  }

  /** Waits (bounded) until {@code received()} reaches {@code expected} or stops moving for {@code quietMs}. */
  long awaitReceived(long expected, long quietMs, long maxMs) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMs);
    long last = received();
    long lastChange = System.nanoTime();
    while (System.nanoTime() < deadline && received() < expected) {
      pause(10);
      long now = received();
      if (now != last) {
        last = now;
        lastChange = System.nanoTime();
      } else if (System.nanoTime() - lastChange > TimeUnit.MILLISECONDS.toNanos(quietMs)) {
        break;
      }
    }
    return received();
  }

  /** Closes every member socket (bounded wait). */
  void closeSockets() {
    List<Future<Void>> closes = new ArrayList<>();
    WebSocket ws;
    while ((ws = sockets.poll()) != null) {
      closes.add(ws.close());
    }
    try {
      Future.join(closes).await(20, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // sockets the server already dropped
    }
  }

  /** Polling pause of the bench's main thread (never an event loop): a timer of the client's Vert.x. */
  private void pause(long ms) {
    vertx.timer(ms).await();
  }

  @Override
  public void close() {
    closeSockets();
    vertx.close().await();
  }
}

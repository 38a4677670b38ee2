package io.herald.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The load generator's members: WebSocket connections spread over loopback source addresses, which
 * count the stamped messages they receive and record their latency ({@link Publisher} sends them).
 * Every loop is bounded in count and time; every address is loopback.
 */
final class LoadClient implements AutoCloseable {
  /** Connections per loopback source address (the ephemeral port range holds ~28k). */
  static final int CONNECTIONS_PER_SOURCE = 20_000;
  private static final String HOST = "127.0.0.1";

  private final Vertx vertx = Vertx.vertx();
  private final List<String> sourceAddresses;
  private final List<WebSocketClient> wsClients = new ArrayList<>();
  /** For SSE members: one client per source address, a connection per stream. */
  private final List<HttpClient> httpClients = new ArrayList<>();
  private final ConcurrentLinkedQueue<WebSocket> sockets = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<HttpConnection> streams = new ConcurrentLinkedQueue<>();
  private final AtomicLong received = new AtomicLong();
  private final java.util.concurrent.atomic.AtomicInteger closedByServer = new java.util.concurrent.atomic.AtomicInteger();
  private volatile boolean closing;
  private final Recorder latency = new Recorder(3);

  /** Members connect from {@code sourceAddresses} (loopback), {@link #CONNECTIONS_PER_SOURCE} from each. */
  LoadClient(List<String> sourceAddresses) {
    this(sourceAddresses, false);
  }

  /** With {@code compression}, every WebSocket offers permessage-deflate (as browsers do). */
  LoadClient(List<String> sourceAddresses, boolean compression) {
    this.sourceAddresses = List.copyOf(sourceAddresses);
    for (String source : sourceAddresses) {
      wsClients.add(vertx.createWebSocketClient(new WebSocketClientOptions()
          .setLocalAddress(source).setMaxConnections(1_000_000).setConnectTimeout(10_000)
          .setTryUsePerMessageCompression(compression)));
      httpClients.add(vertx.createHttpClient(new HttpClientOptions().setLocalAddress(source).setConnectTimeout(10_000),
          new PoolOptions().setHttp1MaxSize(CONNECTIONS_PER_SOURCE).setMaxWaitQueueSize(-1)));
    }
  }

  static int sourcesFor(int connections) {
    return Math.max(1, (connections + CONNECTIONS_PER_SOURCE - 1) / CONNECTIONS_PER_SOURCE);
  }

  List<String> sourceAddresses() {
    return sourceAddresses;
  }

  /** The members' Vert.x; a REST publisher runs on it too (as it always has in this bench). */
  Vertx vertx() {
    return vertx;
  }

  record ConnectResult(int opened, int failed, long elapsedNanos) {
    double ratePerSecond() {
      return opened / (elapsedNanos / 1e9);
    }
  }

  /** Users {@code firstUser .. firstUser + count - 1} connecting to {@code port}: one share of a connect run. */
  record Slice(int port, int firstUser, int count) {}

  /** {@link #connect(ServerKind, List, String, boolean, int, long)} with one slice, no user rooms. */
  ConnectResult connect(ServerKind kind, int port, int firstUser, int n, String room, int concurrency, long timeoutMs) {
    return connect(kind, List.of(new Slice(port, firstUser, n)), room, false, concurrency, timeoutMs);
  }

  /**
   * Opens every slice's connections, {@code concurrency} at a time across the slices, until all are
   * ready or {@code timeoutMs} passes. {@code room} null means no room; {@code userRooms} asks the
   * comparison servers to put each socket in its user's room {@code user:{id}} (Herald always does).
   */
  ConnectResult connect(ServerKind kind, List<Slice> slices, String room, boolean userRooms, int concurrency,
      long timeoutMs) {
    int n = slices.stream().mapToInt(Slice::count).sum();
    long start = System.nanoTime();
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    AtomicInteger next = new AtomicInteger();
    AtomicInteger opened = new AtomicInteger();
    AtomicInteger finishedChains = new AtomicInteger();
    int chains = Math.max(1, Math.min(concurrency, n));
    Promise<Void> all = Promise.promise();
    Runnable chainDone = () -> {
      if (finishedChains.incrementAndGet() == chains) {
        all.tryComplete();
      }
    };
    for (int c = 0; c < chains; c++) {
      vertx.runOnContext(v -> chain(kind, slices, n, room, userRooms, next, opened, deadline, chainDone));
    }
    try {
      all.future().await(timeoutMs + 15_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // reported below as failures
    }
    return new ConnectResult(opened.get(), n - opened.get(), System.nanoTime() - start);
  }

  /** One chain of a connect run: opens connection {@code next} after the previous one is ready or failed. */
  private void chain(ServerKind kind, List<Slice> slices, int n, String room, boolean userRooms, AtomicInteger next,
      AtomicInteger opened, long deadline, Runnable done) {
    int i = next.getAndIncrement();
    if (i >= n || System.nanoTime() > deadline) {
      done.run();
      return;
    }
    int offset = i;
    int s = 0;
    while (offset >= slices.get(s).count()) {
      offset -= slices.get(s).count();
      s++;
    }
    Slice slice = slices.get(s);
    openOne(kind, slice.port(), slice.firstUser() + offset, room, userRooms, i).onComplete(ar -> {
      if (ar.succeeded()) {
        opened.incrementAndGet();
      }
      chain(kind, slices, n, room, userRooms, next, opened, deadline, done);
    });
  }

  private Future<Void> openOne(ServerKind kind, int port, int user, String room, boolean userRoom, int index) {
    if (kind.sse()) {
      return openStream(kind, port, user, index);
    }
    Promise<Void> ready = Promise.promise();
    WebSocketClient client = wsClients.get((index / CONNECTIONS_PER_SOURCE) % wsClients.size());
    client.connect(new WebSocketConnectOptions().setHost(HOST).setPort(port)
            .setURI(kind.connectUri(user, room, userRoom)))
        .onFailure(ready::tryFail)
        .onSuccess(ws -> {
          sockets.add(ws);
          ws.textMessageHandler(frame -> onFrame(kind, ws, frame, room, ready));
          ws.closeHandler(v -> {
            if (!ready.tryFail("closed before ready") && !closing) {
              closedByServer.incrementAndGet();
            }
          });
          if (kind.readyOnOpen()) {
            ready.tryComplete();
          }
        });
    vertx.setTimer(15_000, t -> ready.tryFail("not ready within 15 s"));
    return ready.future();
  }

  /**
   * An SSE member: ready at its second {@code unread_count} event (the first is the endpoint's,
   * before the session opens; the second ends the session's catch-up, once it receives broadcasts).
   */
  private Future<Void> openStream(ServerKind kind, int port, int user, int index) {
    Promise<Void> ready = Promise.promise();
    HttpClient client = httpClients.get((index / CONNECTIONS_PER_SOURCE) % httpClients.size());
    int[] counts = {0};
    client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(HOST).setPort(port)
            .setURI(kind.connectUri(user, null, false)))
        .compose(HttpClientRequest::send)
        .onFailure(ready::tryFail)
        .onSuccess(resp -> {
          if (resp.statusCode() != 200) {
            ready.tryFail("HTTP " + resp.statusCode());
            return;
          }
          HttpConnection connection = resp.request().connection();
          streams.add(connection);
          resp.handler(RecordParser.newDelimited("\n\n", event -> {
            String text = event.toString();
            int at = text.indexOf("\"t\":");
            if (at >= 0) {
              long now = System.nanoTime();
              received.incrementAndGet();
              latency.recordValue(Math.max(0, now - parseLong(text, at + 4)));
            } else if (text.startsWith("event: unread_count") && ++counts[0] == 2) {
              ready.tryComplete();
            }
          }));
          connection.closeHandler(v -> {
            if (!ready.tryFail("closed before ready") && !closing) {
              closedByServer.incrementAndGet();
            }
          });
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

  /**
   * Ready sockets the server (or the network) closed before the bench did: Herald closes a member
   * whose outbound queue is full (1008) when the load generator cannot keep up.
   */
  int closedByServer() {
    return closedByServer.get();
  }

  int openSockets() {
    return sockets.size() + streams.size();
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

  /** Writes {@code text} on every member WebSocket (bounded wait for the writes). */
  void sendToAll(String text) {
    List<Future<Void>> writes = new ArrayList<>();
    for (WebSocket ws : sockets) {
      writes.add(ws.writeTextMessage(text));
    }
    try {
      Future.join(writes).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("writes did not complete: " + e, e);
    }
  }

  /** Closes every member socket (bounded wait). */
  void closeSockets() {
    closing = true;
    List<Future<Void>> closes = new ArrayList<>();
    WebSocket ws;
    while ((ws = sockets.poll()) != null) {
      closes.add(ws.close());
    }
    HttpConnection stream;
    while ((stream = streams.poll()) != null) {
      closes.add(stream.close());
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

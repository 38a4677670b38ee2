package io.herald.bench;

import io.herald.test.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The reconnect storm's clients: one {@code /ws} socket per user, each of which, when its node goes
 * away, reconnects on its own to one of the nodes still up, with the back-off Herald documents
 * (docs/protocol.md, "Reconnecting": a random delay in [0, min(30 s, 1 s x 2^attempt)]), resuming
 * from the last {@code notificationId} it received. Each counts the stored notifications it gets
 * (live or replayed), once per id. Every loop is bounded; every address is loopback.
 */
final class StormClient implements AutoCloseable {
  static final long BACKOFF_BASE_MS = 1000;
  static final long BACKOFF_CAP_MS = 30_000;
  private static final String HOST = "127.0.0.1";

  /** One user's connection, reconnecting by itself. Mutated on the client's event loops only. */
  final class Member {
    final String user;
    final String token;
    volatile int port;
    volatile long lastNotificationId;
    volatile boolean open;
    final AtomicInteger notifications = new AtomicInteger();
    /** When this member was last connected again after a loss (nanoTime; 0 = not since the last loss). */
    volatile long reconnectedAt;
    /** When its first notification arrived (nanoTime; 0 = none yet). */
    volatile long firstNotificationAt;
    int attempts;

    Member(String user, int port) {
      this.user = user;
      this.token = Tokens.user(user);
      this.port = port;
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final List<WebSocketClient> clients = new ArrayList<>();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong reconnectAttempts = new AtomicLong();
  private final AtomicLong refusedAttempts = new AtomicLong();
  private volatile List<Integer> alivePorts = List.of();
  private volatile boolean closing;

  StormClient(List<String> sourceAddresses) {
    for (String source : sourceAddresses) {
      clients.add(vertx.createWebSocketClient(new WebSocketClientOptions().setLocalAddress(source)
          .setMaxConnections(1_000_000).setConnectTimeout(10_000)));
    }
  }

  Vertx vertx() {
    return vertx;
  }

  /** The nodes a member that lost its connection may reconnect to (a load balancer's choice). */
  void alivePorts(List<Integer> ports) {
    alivePorts = List.copyOf(ports);
  }

  long duplicates() {
    return duplicates.get();
  }

  long reconnectAttempts() {
    return reconnectAttempts.get();
  }

  long refusedAttempts() {
    return refusedAttempts.get();
  }

  Member member(String user, int port) {
    return new Member(user, port);
  }

  /** Opens every member's first connection, {@code concurrency} at a time; completes when all did or failed. */
  Future<Integer> connectAll(List<Member> members, int concurrency) {
    Promise<Integer> done = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    AtomicInteger opened = new AtomicInteger();
    Runnable[] step = new Runnable[1];
    step[0] = () -> {
      int i = next.getAndIncrement();
      if (i >= members.size()) {
        return;
      }
      connect(members.get(i)).onComplete(ar -> {
        if (ar.succeeded()) {
          opened.incrementAndGet();
        }
        if (finished.incrementAndGet() == members.size()) {
          done.tryComplete(opened.get());
        } else {
          step[0].run();
        }
      });
    };
    if (members.isEmpty()) {
      return Future.succeededFuture(0);
    }
    for (int i = 0; i < Math.min(concurrency, members.size()); i++) {
      vertx.runOnContext(v -> step[0].run());
    }
    return done.future();
  }

  /** One connection attempt to the member's current port; completes once its {@code connected} frame came. */
  private Future<Void> connect(Member m) {
    String uri = "/ws?token=" + m.token + (m.lastNotificationId > 0 ? "&lastNotificationId=" + m.lastNotificationId : "");
    WebSocketClient client = clients.get(Math.floorMod(m.user.hashCode(), clients.size()));
    Promise<Void> connected = Promise.promise();
    client.connect(new WebSocketConnectOptions().setHost(HOST).setPort(m.port).setURI(uri))
        .onSuccess(ws -> {
          ws.textMessageHandler(text -> onText(m, text, connected));
          ws.closeHandler(v -> {
            boolean wasOpen = m.open;
            m.open = false;
            if (!connected.future().isComplete()) {
              refusedAttempts.incrementAndGet();
              connected.tryFail("closed before connected");
            }
            if (wasOpen || !closing) {
              lost(m);
            }
          });
        })
        .onFailure(connected::tryFail)
        .onFailure(err -> lost(m));
    return connected.future();
  }

  private void onText(Member m, String text, Promise<Void> connected) {
    if (text.startsWith("{\"event\":\"connected\"")) {
      m.open = true;
      m.attempts = 0;
      if (m.reconnectedAt == 0) {
        m.reconnectedAt = System.nanoTime();
      }
      connected.tryComplete();
      return;
    }
    if (text.startsWith("{\"event\":\"notification\"")) {
      long id = new JsonObject(text).getLong("notificationId", 0L);
      if (id <= m.lastNotificationId) {
        duplicates.incrementAndGet();
        return;
      }
      m.lastNotificationId = id;
      if (m.notifications.incrementAndGet() == 1) {
        m.firstNotificationAt = System.nanoTime();
      }
    }
  }

  /** The member's connection is gone (or never came): reconnect after a jittered back-off, to a node still up. */
  private void lost(Member m) {
    if (closing || m.open) {
      return;
    }
    long window = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS << Math.min(m.attempts, 10));
    m.attempts++;
    long delay = ThreadLocalRandom.current().nextLong(window + 1);
    vertx.setTimer(Math.max(1, delay), t -> {
      if (closing || m.open) {
        return;
      }
      List<Integer> alive = alivePorts;
      if (!alive.isEmpty() && !alive.contains(m.port)) {
        m.port = alive.get(ThreadLocalRandom.current().nextInt(alive.size()));
      }
      reconnectAttempts.incrementAndGet();
      connect(m);
    });
  }

  /** Marks the members as lost from now on (their reconnect time counts from here). */
  void resetReconnected(List<Member> members) {
    members.forEach(m -> m.reconnectedAt = 0);
  }

  @Override
  public void close() {
    closing = true;
    try {
      vertx.close().await(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the storm's clients did not close in 30 s", e);
    }
  }
}

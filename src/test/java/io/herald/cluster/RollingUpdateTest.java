package io.herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.config.HeraldConfig;
import io.herald.test.ProcessNode;
import io.herald.test.Http;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rolling update: three node processes under a steady load of stored notifications and room
 * events, each sent SIGTERM in turn (the drain sends its clients 'reconnect' spread over
 * node.drain-spread-ms, then the node leaves the cluster and exits) and replaced by a new one. Clients do what
 * the protocol asks of them: reconnect at once to a node the load balancer still lists, with their
 * lastNotificationId, and join their room again.
 */
@DisplayName("rolling update: every node restarted in turn under load")
class RollingUpdateTest {
  private static final Logger log = LoggerFactory.getLogger(RollingUpdateTest.class);
  private static final String ROOM = "course:rolling";
  private static final int CLIENTS = 24;
  private static final Map<String, String> NODE_ENV = Map.of("HERALD_NODE_DRAIN_SPREAD_MS", "1000",
      "HERALD_NODE_SHUTDOWN_GRACE_MS", "2000");

  /** The nodes a load balancer sends new connections and requests to: the ready ones. */
  private final List<Integer> ready = new CopyOnWriteArrayList<>();

  private int anyReadyPort() {
    List<Integer> ports = new ArrayList<>(ready);
    return ports.get(ThreadLocalRandom.current().nextInt(ports.size()));
  }

  @Test
  @DisplayName("afterwards every client is connected, every 202 notification reached its user, and room events were lost only while their member reconnected")
  void rollingRestart() throws Exception {
    try (TestNodes nodes = new TestNodes()) {
      HeraldConfig cluster = nodes.config(Map.of());
      List<ProcessNode> running = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          ProcessNode n = ProcessNode.start(cluster, NODE_ENV);
          running.add(n);
          ready.add(n.httpPort());
        }
        rollingRestart(cluster, running);
      } finally {
        running.forEach(ProcessNode::close);
      }
    }
  }

  private void rollingRestart(HeraldConfig cluster, List<ProcessNode> running) throws Exception {
    {
      List<Client> clients = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        Client c = new Client("roll-" + i);
        clients.add(c);
        c.connect();
      }
      awaitAllJoined(clients);

      long start = System.nanoTime();
      Load load = new Load(clients);
      Thread producer = new Thread(load::run, "rolling-load");
      producer.start();
      try {
        load.awaitSent(40);
        for (int i = 0; i < 3; i++) {
          ProcessNode old = running.get(i);
          // not ready from the drain on: the load balancer stops sending it anything new
          ready.remove(Integer.valueOf(old.httpPort()));
          long t = System.nanoTime();
          old.process().toHandle().destroy(); // SIGTERM: the drain, then the node leaves the cluster
          assertThat(old.awaitExit(30)).as("exit status after SIGTERM").isIn(0, 143);
          log.info("node {} drained and left in {} ms", i, (System.nanoTime() - t) / 1_000_000);
          ProcessNode replacement = ProcessNode.start(cluster, NODE_ENV);
          running.set(i, replacement);
          ready.add(replacement.httpPort());
          awaitAllJoined(clients);
          load.awaitSent(load.sent() + 40);
        }
      } finally {
        load.stop.set(true);
        producer.join(30_000);
      }
      assertThat(load.failure).as("the load").isNull();

      awaitAllJoined(clients);
      // Every notification answered with 202 reaches its user, live or by replay.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      Map<String, Set<Long>> missing = load.missingNotifications();
      while (!missing.isEmpty() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
        missing = load.missingNotifications();
      }
      assertThat(missing).as("stored notifications never delivered").isEmpty();
      assertThat(load.sent()).isGreaterThan(100);

      // Room events: a member may miss only those sent while it was reconnecting. The last ones
      // answered may still be on their way to the members: wait (bounded) until every miss is one
      // a reconnect explains.
      long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (unexplainedMisses(clients, load) > 0 && System.nanoTime() < settle) {
        Thread.onSpinWait();
      }
      int lost = 0;
      int unexplained = 0;
      for (Client c : clients) {
        for (RoomEvent e : load.roomEvents) {
          if (!c.seqs.contains(e.seq)) {
            lost++;
            if (!c.wasAwayDuring(e.sentAt, e.answeredAt)) {
              unexplained++;
              log.error("{} missed room event {} while connected (sent {} ms after the start, answered after {} ms; "
                  + "its gaps: {})", c.user, e.seq, (e.sentAt - start) / 1_000_000, (e.answeredAt - start) / 1_000_000,
                  c.gaps(start));
            }
          }
        }
      }
      int reconnects = clients.stream().mapToInt(c -> c.reconnects.get()).sum();
      log.info("rolling update: {} notifications stored and delivered, {} room events x {} members, {} lost while "
          + "reconnecting ({} reconnects)", load.sent(), load.roomEvents.size(), CLIENTS, lost, reconnects);
      assertThat(unexplained).as("room events lost while their member was connected").isZero();
      assertThat(reconnects).as("each drained node's clients moved").isGreaterThanOrEqualTo(CLIENTS / 3);
      clients.forEach(Client::close);
    }
  }

  /** Room events a member has not received although it was connected when they were sent. */
  private static int unexplainedMisses(List<Client> clients, Load load) {
    int n = 0;
    List<RoomEvent> events;
    synchronized (load.roomEvents) {
      events = new ArrayList<>(load.roomEvents);
    }
    for (Client c : clients) {
      for (RoomEvent e : events) {
        if (!c.seqs.contains(e.seq) && !c.wasAwayDuring(e.sentAt, e.answeredAt)) {
          n++;
        }
      }
    }
    return n;
  }

  private static void awaitAllJoined(List<Client> clients) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (Client c : clients) {
      while (!c.joined) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError(c.user + " did not reconnect and join " + ROOM + " within 30 s");
        }
        Thread.onSpinWait();
      }
    }
  }

  private record RoomEvent(int seq, long sentAt, long answeredAt) {}

  /** The producers: stored notifications to random users and numbered room events, through ready nodes. */
  private final class Load {
    final AtomicBoolean stop = new AtomicBoolean();
    final List<Client> clients;
    /** user -> notification ids answered with 202 */
    final Map<String, Set<Long>> accepted = new ConcurrentHashMap<>();
    final List<RoomEvent> roomEvents = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger notifications = new AtomicInteger();
    volatile Throwable failure;
    private final String service = Tokens.service();

    Load(List<Client> clients) {
      this.clients = clients;
    }

    int sent() {
      return notifications.get();
    }

    void awaitSent(int n) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (sent() < n && failure == null) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("the load stalled at " + sent() + " notifications");
        }
        Thread.onSpinWait();
      }
    }

    void run() {
      int seq = 0;
      try {
        while (!stop.get()) {
          String user = clients.get(ThreadLocalRandom.current().nextInt(clients.size())).user;
          Http.Response r = tryPost("/api/notifications", new JsonObject().put("userId", user).put("type", "info")
              .put("title", "rolling").put("message", "n"));
          if (r != null && r.status() == 202) {
            accepted.computeIfAbsent(user, u -> ConcurrentHashMap.newKeySet()).add(r.json().getLong("id"));
            notifications.incrementAndGet();
          }
          int s = seq++;
          long sentAt = System.nanoTime();
          Http.Response e = tryPost("/api/rooms/" + ROOM + "/events", new JsonObject().put("event", "tick")
              .put("data", new JsonObject().put("seq", s)));
          if (e != null && e.status() == 200) {
            roomEvents.add(new RoomEvent(s, sentAt, System.nanoTime()));
          }
        }
      } catch (Throwable t) {
        failure = t;
      }
    }

    /** A request to a ready node; null when that node went away meanwhile (the caller sees no 2xx). */
    private Http.Response tryPost(String path, JsonObject body) {
      try {
        return Http.request(io.vertx.core.http.HttpMethod.POST, anyReadyPort(), path, service, body.encode(), 10);
      } catch (AssertionError e) {
        return null;
      }
    }

    Map<String, Set<Long>> missingNotifications() {
      Map<String, Set<Long>> missing = new java.util.TreeMap<>();
      for (Client c : clients) {
        Set<Long> want = accepted.getOrDefault(c.user, Set.of());
        for (Long id : want) {
          if (!c.notificationIds.contains(id)) {
            missing.computeIfAbsent(c.user, u -> new java.util.TreeSet<>()).add(id);
          }
        }
      }
      return missing;
    }
  }

  /** A client that reconnects as the protocol asks: at once, elsewhere, with its cursor, then joins its room. */
  private final class Client {
    /** How long an event's REST answer may precede its arrival at the member's node (loaded CI machines included). */
    static final long IN_FLIGHT_NS = TimeUnit.MILLISECONDS.toNanos(500);
    final String user;
    final String token;
    final Set<Long> notificationIds = ConcurrentHashMap.newKeySet();
    final Set<Integer> seqs = ConcurrentHashMap.newKeySet();
    /** [from, to] nanoTime intervals without a joined connection (to = Long.MAX_VALUE while away). */
    final List<long[]> away = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger reconnects = new AtomicInteger();
    volatile boolean joined;
    volatile long lastId;
    volatile boolean closing;
    private final WebSocketClient ws = TestSocket.vertx().createWebSocketClient(new WebSocketClientOptions()
        .setMaxFrameSize(1 << 20).setConnectTimeout(5000));

    Client(String user) {
      this.user = user;
      this.token = Tokens.user(user, "course:*");
      away.add(new long[] {System.nanoTime(), Long.MAX_VALUE});
    }

    /** The gaps as "from-to" ms after {@code start}, for a failure's message. */
    String gaps(long start) {
      synchronized (away) {
        StringBuilder out = new StringBuilder();
        for (long[] g : away) {
          out.append((g[0] - start) / 1_000_000).append('-').append((g[1] - start) / 1_000_000).append(' ');
        }
        return out.toString();
      }
    }

    /**
     * Whether the member was reconnecting while an event was sent: its sending and answer overlap a
     * gap, which starts {@link #IN_FLIGHT_NS} before the client heard 'reconnect' (an event already
     * on its way to a node when the drain closes the member's session there is lost with the session;
     * its REST answer can come back before the client reads the 'reconnect' sent before it).
     */
    boolean wasAwayDuring(long from, long to) {
      synchronized (away) {
        for (long[] gap : away) {
          if (gap[0] - IN_FLIGHT_NS <= to && from <= gap[1]) {
            return true;
          }
        }
      }
      return false;
    }

    void connect() {
      if (closing) {
        return;
      }
      String uri = "/ws" + (lastId > 0 ? "?lastNotificationId=" + lastId : "");
      WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(anyReadyPort())
          .setURI(uri).addHeader("Authorization", "Bearer " + token);
      ws.connect(o).onSuccess(this::opened).onFailure(err -> retry());
    }

    private void retry() {
      TestSocket.vertx().setTimer(50 + ThreadLocalRandom.current().nextInt(100), t -> connect());
    }

    private void opened(WebSocket socket) {
      socket.textMessageHandler(text -> onFrame(socket, new JsonObject(text)));
      socket.closeHandler(v -> {
        leaving();
        if (!closing) {
          reconnects.incrementAndGet();
          connect();
        }
      });
    }

    private void onFrame(WebSocket socket, JsonObject f) {
      String event = f.getString("event");
      switch (event) {
        case "connected" -> socket.writeTextMessage(new JsonObject().put("event", "join-room")
            .put("data", new JsonObject().put("room", ROOM)).put("id", 1).encode());
        case "joined-room" -> {
          synchronized (away) {
            away.get(away.size() - 1)[1] = System.nanoTime();
          }
          joined = true;
        }
        case "notification" -> {
          long id = f.getJsonObject("data").getLong("id");
          notificationIds.add(id);
          lastId = Math.max(lastId, id);
        }
        case "tick" -> seqs.add(f.getJsonObject("data").getInteger("seq"));
        // the server is closing this session: from here on it is reconnecting (nothing more is sent to it)
        case "reconnect" -> leaving();
        default -> { }
      }
    }

    /** This connection stops being the member's: a reconnect starts (once per connection). */
    private void leaving() {
      if (joined) {
        joined = false;
        away.add(new long[] {System.nanoTime(), Long.MAX_VALUE});
      }
    }

    void close() {
      closing = true;
      ws.close();
    }
  }
}

package io.herald.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.gateway.transport.sse.SseEndpoint;
import io.herald.test.Await;
import io.herald.test.Http;
import io.herald.test.NodeScript;
import io.herald.test.SseStream;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bursts to healthy clients that read: every event arrives, in order, on every transport. A slow
 * consumer is one with {@code ws.max-outbound-queue-bytes} bytes waiting, whatever thread writes;
 * a burst of small events is no reason to close anyone.
 */
@DisplayName("a burst of 500 events to a client that reads arrives whole")
class BurstTest {
  static final int BURST = 500;
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode node;
  static final String SERVICE = Tokens.service();

  @BeforeAll
  static void start() {
    // As many event loops as a default node on two cores: an upgraded WebSocket then usually runs on
    // another event loop than its Engine.IO session.
    node = nodes.start(Map.of("ws.rate-limit-per-minute", 10_000, "node.event-loops", 4));
  }

  /** Up to 64 requests in flight at once, so the node's event loops are all busy with them. */
  static final HttpClient PRODUCER = TestSocket.vertx().createHttpClient(new HttpClientOptions().setKeepAlive(true),
      new PoolOptions().setHttp1MaxSize(64));

  /**
   * Sends {@code BURST} events {@code burst} with data {@code {"n": i}} to the user through {@code
   * POST /api/gateway/send}, all at once (each about 150 bytes: far below ws.max-outbound-queue-bytes
   * together). The requests keep every event loop busy, the one holding the client's socket too.
   */
  static void burst(String user) {
    String auth = "Bearer " + SERVICE;
    List<Future<Integer>> sent = new ArrayList<>();
    for (int i = 0; i < BURST; i++) {
      String body = new JsonObject().put("userId", user).put("event", "burst")
          .put("message", new JsonObject().put("n", i).put("pad", "x".repeat(100))).encode();
      sent.add(PRODUCER.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(node.httpPort())
              .setURI("/api/gateway/send").addHeader("Authorization", auth).addHeader("content-type", "application/json"))
          .compose(req -> req.send(body)).map(resp -> resp.statusCode()));
    }
    for (Future<Integer> f : sent) {
      assertThat(Await.result(f)).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("on /ws")
  void webSocket() {
    try (TestSocket s = TestSocket.connect(node.httpPort(), Tokens.user("burst-ws"))) {
      burst("burst-ws");
      Set<Integer> got = new HashSet<>();
      for (int i = 0; i < BURST; i++) {
        got.add(s.expect("burst").getJsonObject("data").getInteger("n"));
      }
      assertThat(got).isEqualTo(all());
      assertThat(s.isClosed()).isFalse();
    }
  }

  @Test
  @DisplayName("on SSE")
  void sse() {
    try (SseStream s = SseStream.open(node.httpPort(), SseEndpoint.PATH, Tokens.user("burst-sse"))) {
      s.next("unread_count");
      s.next("unread_count"); // the count before the catch-up, and the one that ends it
      burst("burst-sse");
      Set<Integer> got = new HashSet<>();
      for (int i = 0; i < BURST; i++) {
        got.add(new JsonObject(s.next("burst").data()).getInteger("n"));
      }
      assertThat(got).isEqualTo(all());
    }
  }

  @ParameterizedTest(name = "on SockJS over {0}")
  @ValueSource(strings = {"websocket", "xhr-streaming"})
  void sockJs(String transport) {
    String user = "burst-sockjs-" + transport;
    try (NodeScript c = NodeScript.start("sockjs-client.js", Map.of("HERALD_URL", "http://127.0.0.1:" + node.httpPort(),
        "TRANSPORT", transport, "TOKEN", Tokens.user(user)))) {
      c.expect(e -> "frame".equals(e.getString("type")) && "unread_count".equals(e.getJsonObject("frame").getString("event")), "unread_count");
      burst(user);
      Set<Integer> got = new HashSet<>();
      for (int i = 0; i < BURST; i++) {
        JsonObject f = c.expect(e -> "frame".equals(e.getString("type")) && "burst".equals(e.getJsonObject("frame").getString("event")), "burst " + i);
        got.add(f.getJsonObject("frame").getJsonObject("data").getInteger("n"));
      }
      assertThat(got).isEqualTo(all());
    }
  }

  @Test
  @DisplayName("on the event-bus bridge")
  void bridge() {
    String user = "burst-bridge";
    try (NodeScript c = NodeScript.start("eventbus-client.js", Map.of("HERALD_URL", "http://127.0.0.1:" + node.httpPort()))) {
      c.expect("open");
      c.tell(new JsonObject().put("op", "register").put("address", "herald.user." + user)
          .put("headers", new JsonObject().put("Authorization", "Bearer " + Tokens.user(user))).encode());
      c.expect(e -> "message".equals(e.getString("type")) && "connected".equals(e.getJsonObject("body").getString("event")), "connected");
      burst(user);
      Set<Integer> got = new HashSet<>();
      for (int i = 0; i < BURST; i++) {
        JsonObject m = c.expect(e -> "message".equals(e.getString("type")) && "burst".equals(e.getJsonObject("body").getString("event")), "burst " + i);
        got.add(m.getJsonObject("body").getJsonObject("data").getInteger("n"));
      }
      assertThat(got).isEqualTo(all());
    }
  }

  @Test
  @DisplayName("on Socket.IO, to default clients upgraded from polling to WebSocket (often on another event loop)")
  void socketIoUpgraded() {
    try (NodeScript driver = NodeScript.start("socketio-driver.js", Map.of())) {
      List<String> names = List.of("a", "b", "c", "d");
      connectUpgraded(driver, names, "burst-sio-");
      for (String name : names) {
        burst("burst-sio-" + name);
      }
      for (String name : names) {
        Set<Integer> got = new HashSet<>();
        for (int i = 0; i < BURST; i++) {
          int n = i;
          JsonObject e = driver.expect(r -> "event".equals(r.getString("type")) && name.equals(r.getString("name"))
              && "burst".equals(r.getString("event")), "burst " + n + " on " + name);
          got.add(e.getJsonArray("args").getJsonObject(0).getInteger("n"));
        }
        assertThat(got).as("events on " + name).isEqualTo(all());
      }
      driver.discardUnconsumed();
      assertThat(driver.output()).doesNotContain("\"type\":\"disconnect\"");
    }
  }

  @Test
  @DisplayName("on Socket.IO, 120 pings emitted by each of four upgraded default clients are all answered")
  void socketIoPings() {
    try (NodeScript driver = NodeScript.start("socketio-driver.js", Map.of())) {
      List<String> names = List.of("p1", "p2", "p3", "p4");
      connectUpgraded(driver, names, "burst-sio-pinger-");
      for (String name : names) {
        String ping = new JsonObject().put("cmd", "emit").put("name", name).put("event", "ping").put("data", new JsonObject()).encode();
        for (int i = 0; i < 120; i++) {
          driver.tell(ping);
        }
      }
      for (String name : names) {
        for (int i = 0; i < 120; i++) {
          driver.expect(e -> "event".equals(e.getString("type")) && name.equals(e.getString("name"))
              && "pong".equals(e.getString("event")), "pong " + i + " on " + name);
        }
      }
      assertThat(driver.output()).doesNotContain("\"type\":\"disconnect\"");
    }
  }

  @Test
  @DisplayName("upgraded clients that drop their connection in the middle of a burst cost the node no exception")
  void socketIoDropsMidBurst() {
    java.util.List<Throwable> uncaught = new java.util.concurrent.CopyOnWriteArrayList<>();
    node.vertx().exceptionHandler(uncaught::add);
    try (NodeScript driver = NodeScript.start("socketio-driver.js", Map.of())) {
      List<String> names = List.of("x1", "x2", "x3", "x4");
      connectUpgraded(driver, names, "burst-sio-dropper-");
      for (String name : names) {
        driver.tell(new JsonObject().put("cmd", "dropOn").put("name", name).put("event", "burst").encode());
      }
      for (String name : names) {
        burst("burst-sio-dropper-" + name);
      }
      for (String name : names) {
        driver.expect(e -> "disconnect".equals(e.getString("type")) && name.equals(e.getString("name")), "disconnect of " + name);
      }
      // Every session is gone from the node (its close ran) before the check.
      long deadline = System.currentTimeMillis() + 10_000;
      while (Http.get(node.httpPort(), "/api/gateway/stats", SERVICE).json().getInteger("connections") > 0
          && System.currentTimeMillis() < deadline) {
        Await.result(TestSocket.vertx().timer(100));
      }
      assertThat(Http.get(node.httpPort(), "/api/gateway/stats", SERVICE).json().getInteger("connections")).isZero();
      assertThat(uncaught).isEmpty();
    } finally {
      node.vertx().exceptionHandler(null);
    }
  }

  /** Every event of a burst (a producer's sends are not ordered, so they are counted by number). */
  static Set<Integer> all() {
    Set<Integer> all = new HashSet<>();
    for (int i = 0; i < BURST; i++) {
      all.add(i);
    }
    return all;
  }

  /** Connects default clients (polling, then the upgrade) as users {@code userPrefix + name}; returns once each upgraded. */
  static void connectUpgraded(NodeScript driver, List<String> names, String userPrefix) {
    for (String name : names) {
      driver.tell(connect(name, userPrefix + name));
      driver.expect(e -> "connect".equals(e.getString("type")) && name.equals(e.getString("name")), "connect of " + name);
      driver.expect(e -> "upgrade".equals(e.getString("type")) && name.equals(e.getString("name")), "upgrade of " + name);
    }
  }

  static String connect(String name, String user) {
    return new JsonObject().put("cmd", "connect").put("name", name).put("url", "http://127.0.0.1:" + node.httpPort() + "/")
        .put("opts", new JsonObject().put("auth", new JsonObject().put("token", Tokens.user(user)))).encode();
  }
}

package io.herald.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.Await;
import io.herald.test.Http;
import io.herald.test.NodeScript;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Engine.IO layer under attack and under a default client: connections that never connect a
 * namespace, the node limit, CORS, and the polling-to-WebSocket upgrade.
 */
@DisplayName("Socket.IO endpoint: unauthenticated connections, CORS and the upgrade")
class SocketIoHardeningTest {
  static final int AUTH_TIMEOUT_MS = 1000;
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode node;
  static final HttpClient HTTP = TestSocket.vertx().createHttpClient(new HttpClientOptions().setKeepAlive(true));

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("ws.auth-timeout-ms", AUTH_TIMEOUT_MS, "socketio.ping-interval-ms", 300,
        "socketio.cors-origins", java.util.List.of("*", "https://app.example.com")));
  }

  /** An Engine.IO WebSocket that answers every ping and never sends a Socket.IO CONNECT. */
  static Future<ClientWebSocket> idleEngineIo(int port, Promise<Short> closed) {
    ClientWebSocket ws = TestSocket.vertx().createWebSocketClient().webSocket();
    ws.textMessageHandler(t -> {
      if (t.equals("2")) {
        ws.writeTextMessage("3");
      }
    });
    ws.closeHandler(v -> closed.tryComplete(ws.closeStatusCode()));
    return ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/socket.io/?EIO=4&transport=websocket")).map(ws);
  }

  @Test
  @DisplayName("a connected client is pinged every socketio.ping-interval-ms and stays while it answers; "
      + "one that stops answering is closed after ping interval + ping timeout")
  void pingsAndPingTimeout() {
    HeraldNode pinging = nodes.start(Map.of("socketio.ping-interval-ms", 200, "socketio.ping-timeout-ms", 200));
    java.util.concurrent.atomic.AtomicInteger pings = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean answering = new java.util.concurrent.atomic.AtomicBoolean(true);
    Promise<Void> enoughPings = Promise.promise();
    Promise<Short> closed = Promise.promise();
    ClientWebSocket ws = TestSocket.vertx().createWebSocketClient().webSocket();
    ws.textMessageHandler(t -> {
      if (t.startsWith("0{")) {
        ws.writeTextMessage("40"); // CONNECT the main namespace (the token came with the handshake)
      } else if (t.equals("2")) {
        if (answering.get()) {
          ws.writeTextMessage("3");
        }
        if (pings.incrementAndGet() == 5) {
          enoughPings.tryComplete();
        }
      }
    });
    ws.closeHandler(v -> closed.tryComplete(ws.closeStatusCode()));
    Await.result(ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(pinging.httpPort())
        .setURI("/socket.io/?EIO=4&transport=websocket&token=" + Tokens.user("sio-pinged"))));
    Await.result(enoughPings.future(), 10); // five pings at 200 ms: past several ping timeouts, still open
    assertThat(closed.future().isComplete()).as("closed while answering pings").isFalse();
    answering.set(false);
    long stopped = System.nanoTime();
    Await.result(closed.future(), 10);
    long ms = (System.nanoTime() - stopped) / 1_000_000;
    assertThat(ms).as("closed after interval + timeout, within the sweep's tick").isBetween(150L, 3000L);
  }

  @Test
  @DisplayName("an Engine.IO WebSocket that answers pings but never connects a namespace is closed after ws.auth-timeout-ms")
  void webSocketWithoutConnectClosed() {
    Promise<Short> closed = Promise.promise();
    long opened = System.nanoTime();
    Await.result(idleEngineIo(node.httpPort(), closed));
    Await.result(closed.future(), 10);
    long ms = (System.nanoTime() - opened) / 1_000_000;
    assertThat(ms).isBetween(AUTH_TIMEOUT_MS - 100L, AUTH_TIMEOUT_MS + 5000L);
  }

  @Test
  @DisplayName("a polling Engine.IO connection that answers pings but never connects a namespace is closed after ws.auth-timeout-ms")
  void pollingWithoutConnectClosed() {
    String open = poll("/socket.io/?EIO=4&transport=polling");
    String sid = new JsonObject(open.substring(1)).getString("sid");
    long deadline = System.currentTimeMillis() + 10_000;
    String last = "";
    while (System.currentTimeMillis() < deadline) {
      last = poll("/socket.io/?EIO=4&transport=polling&sid=" + sid);
      if (last.equals("2")) {
        post("/socket.io/?EIO=4&transport=polling&sid=" + sid, "3");
      } else {
        break;
      }
    }
    assertThat(last).as("the poll that ends the connection").matches("1|.*Session ID unknown.*");
  }

  @Test
  @DisplayName("unauthenticated Engine.IO connections count toward limits.max-connections-per-node from the handshake on")
  void countedTowardNodeLimit() {
    HeraldNode small = nodes.start(Map.of("limits.max-connections-per-node", 2, "ws.auth-timeout-ms", 3000));
    try {
      int port = small.httpPort();
      assertThat(Http.get(port, "/health/ready", null).status()).isEqualTo(200);
      Promise<Short> c1 = Promise.promise();
      Promise<Short> c2 = Promise.promise();
      Await.result(idleEngineIo(port, c1));
      Await.result(idleEngineIo(port, c2));
      assertThat(Http.get(port, "/health/ready", null).status()).as("ready while full").isEqualTo(503);
      // A third handshake is refused, on either transport.
      assertThat(status(port, "/socket.io/?EIO=4&transport=polling")).isEqualTo(503);
      Promise<Short> c3 = Promise.promise();
      assertThat(Await.failure(idleEngineIo(port, c3))).isNotNull();
      // Once they are closed for not authenticating, the node is ready again.
      Await.result(c1.future(), 10);
      Await.result(c2.future(), 10);
      Http.awaitStatus(port, "/health/ready", null, 200, 10);
    } finally {
      nodes.stop(small);
    }
  }

  @Test
  @DisplayName("CORS: '*' allows any origin without credentials; a configured origin is reflected with credentials")
  void cors() {
    var any = Await.result(HTTP.request(new RequestOptions().setHost("127.0.0.1").setPort(node.httpPort())
            .setURI("/socket.io/?EIO=4&transport=polling").addHeader("Origin", "https://evil.example"))
        .compose(req -> req.send()));
    assertThat(any.getHeader("Access-Control-Allow-Origin")).isEqualTo("*");
    assertThat(any.getHeader("Access-Control-Allow-Credentials")).isNull();
    var listed = Await.result(HTTP.request(new RequestOptions().setHost("127.0.0.1").setPort(node.httpPort())
            .setMethod(HttpMethod.OPTIONS).setURI("/socket.io/?EIO=4&transport=polling")
            .addHeader("Origin", "https://app.example.com"))
        .compose(req -> req.send()));
    assertThat(listed.getHeader("Access-Control-Allow-Origin")).isEqualTo("https://app.example.com");
    assertThat(listed.getHeader("Access-Control-Allow-Credentials")).isEqualTo("true");
  }

  @Test
  @DisplayName("20 consecutive default socket.io-client connections each upgrade to WebSocket within 2 s")
  void upgradesPromptly() {
    // The default ping interval: a poll held until the next ping would stall an upgrade for 25 s.
    // Four event loops (a default node on two cores), so the WebSocket of the upgrade usually runs
    // on another event loop than the Engine.IO session it joins.
    HeraldNode defaults = nodes.start(Map.of("node.event-loops", 4));
    try (NodeScript driver = NodeScript.start("socketio-driver.js", Map.of())) {
      for (int i = 0; i < 20; i++) {
        String name = "u" + i;
        long start = System.nanoTime();
        driver.tell(new JsonObject().put("cmd", "connect").put("name", name)
            .put("url", "http://127.0.0.1:" + defaults.httpPort() + "/")
            .put("opts", new JsonObject().put("auth", new JsonObject().put("token", Tokens.user("upgrader-" + (i % 4))))).encode());
        driver.expect(e -> "upgrade".equals(e.getString("type")) && name.equals(e.getString("name")), "upgrade of " + name);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(ms).as("connection %d upgraded after", i).isLessThan(2000);
        driver.tell(new JsonObject().put("cmd", "close").put("name", name).encode());
      }
    } finally {
      nodes.stop(defaults);
    }
  }

  static String poll(String uri) {
    return Http.request(HttpMethod.GET, node.httpPort(), uri, null, null, 15).text();
  }

  static void post(String uri, String body) {
    Http.request(HttpMethod.POST, node.httpPort(), uri, null, body);
  }

  static int status(int port, String uri) {
    return Http.get(port, uri, null).status();
  }
}

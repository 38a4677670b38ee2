package io.herald.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.Await;
import io.herald.test.Http;
import io.herald.test.Http.Response;
import io.herald.test.NodeScript;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The /ws protocol over /sockjs, driven by the npm sockjs-client under Node with one transport
 * forced per run (src/test/js/sockjs-client.js reports what the client sees, in order).
 */
@DisplayName("/sockjs with the npm sockjs-client")
class SockJsTest {
  static final int MAX_FRAME_BYTES = 1024;
  static final int MAX_QUEUED = 8192;
  static final int IDLE_TIMEOUT_MS = 1500;
  static final List<String> TRANSPORTS = List.of("websocket", "xhr-streaming", "eventsource", "xhr-polling");
  static final AtomicInteger USERS = new AtomicInteger();
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode node;

  @BeforeAll
  static void start() {
    java.util.Map<String, Object> config = new java.util.HashMap<>(TestNodes.idleTimeout(IDLE_TIMEOUT_MS));
    config.putAll(Map.of("limits.max-connections-per-user", 2, "ws.max-frame-bytes", MAX_FRAME_BYTES,
        "ws.max-outbound-queue-bytes", MAX_QUEUED, "presence.grace-ms", 0));
    node = nodes.start(config);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"websocket", "xhr-streaming", "eventsource", "xhr-polling"})
  @DisplayName("?token= authenticates; pong keeps its id; a room event and a notification sent through REST arrive; big frames get PAYLOAD_TOO_LARGE")
  void queryToken(String transport) {
    String user = user(transport);
    String room = "course:" + user;
    try (NodeScript client = sockjs(transport, "TOKEN", Tokens.user(user, "course:*"))) {
      assertThat(client.expect("open").getString("transport")).isEqualTo(transport);
      assertThat(frame(client, "connected").getJsonObject("data").getString("userId")).isEqualTo(user);
      assertThat(frame(client, "unread_count").getJsonObject("data").getLong("count")).isZero();

      client.tell("{\"event\":\"ping\",\"id\":7}");
      assertThat(frame(client, "pong").getInteger("id")).isEqualTo(7);

      client.tell(new JsonObject().put("event", "join-room").put("data", new JsonObject().put("room", room)).put("id", 8).encode());
      assertThat(frame(client, "joined-room").getInteger("id")).isEqualTo(8);
      Response sent = Http.post(node.httpPort(), "/api/rooms/" + room + "/events", Tokens.service(),
          new JsonObject().put("event", "lesson").put("data", new JsonObject().put("n", 1)));
      assertThat(sent.status()).as(sent.text()).isEqualTo(200);
      JsonObject lesson = frame(client, "lesson");
      assertThat(lesson.getString("room")).isEqualTo(room);
      assertThat(lesson.getJsonObject("data").getInteger("n")).isEqualTo(1);

      Response stored = Http.post(node.httpPort(), "/api/notifications", Tokens.service(), new JsonObject()
          .put("userId", user).put("type", "info").put("title", "hello").put("message", "over " + transport));
      assertThat(stored.status()).as(stored.text()).isEqualTo(202);
      JsonObject notification = frame(client, "notification");
      assertThat(notification.getLong("notificationId")).isEqualTo(stored.json().getLong("id"));
      assertThat(notification.getJsonObject("data").getString("message")).isEqualTo("over " + transport);

      client.tell(new JsonObject().put("event", "ping").put("data", new JsonObject().put("pad", "x".repeat(MAX_FRAME_BYTES))).put("id", 9).encode());
      assertThat(error(client).getString("code")).isEqualTo("PAYLOAD_TOO_LARGE");
      client.tell("{\"event\":\"ping\",\"id\":10}");
      assertThat(frame(client, "pong").getInteger("id")).as("still open after a big frame").isEqualTo(10);

      client.tell("close");
      client.expect("close");
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"websocket", "xhr-streaming", "eventsource", "xhr-polling"})
  @DisplayName("an auth frame authenticates; connected carries its id")
  void authFrame(String transport) {
    String user = user(transport);
    try (NodeScript client = sockjs(transport, "AUTH_TOKEN", Tokens.user(user))) {
      JsonObject connected = frame(client, "connected");
      assertThat(connected.getString("id")).isEqualTo("auth");
      assertThat(connected.getJsonObject("data").getString("userId")).isEqualTo(user);
      frame(client, "unread_count");
      client.tell("{\"event\":\"ping\",\"id\":\"p\"}");
      assertThat(frame(client, "pong").getString("id")).isEqualTo("p");
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"websocket", "xhr-streaming", "eventsource", "xhr-polling"})
  @DisplayName("a bad ?token= gets the UNAUTHORIZED error frame, then close 4401 as a frame, before the session closes")
  void badQueryToken(String transport) {
    try (NodeScript client = sockjs(transport, "TOKEN", "not-a-jwt")) {
      assertRefusedBeforeClose(client, "UNAUTHORIZED", 4401);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"websocket", "xhr-polling"})
  @DisplayName("a bad token in the auth frame gets the UNAUTHORIZED error frame before the session closes")
  void badAuthFrame(String transport) {
    try (NodeScript client = sockjs(transport, "AUTH_TOKEN", Tokens.user("someone") + "x")) {
      assertRefusedBeforeClose(client, "UNAUTHORIZED", 4401);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"websocket", "xhr-polling"})
  @DisplayName("one /ws and one SockJS connection are two of the user's connections: a third gets TOO_MANY_CONNECTIONS before it closes")
  void sockJsCountsTowardTheUserLimit(String transport) {
    String user = user(transport);
    String token = Tokens.user(user);
    try (TestSocket ws = TestSocket.connect(node.httpPort(), token);
        NodeScript second = sockjs(transport, "TOKEN", token)) {
      frame(second, "unread_count");
      try (NodeScript third = sockjs(transport, "TOKEN", token)) {
        assertRefusedBeforeClose(third, "TOO_MANY_CONNECTIONS", 4429);
      }
      second.tell("{\"event\":\"ping\",\"id\":1}");
      assertThat(frame(second, "pong").getInteger("id")).as("the admitted SockJS session is unaffected").isEqualTo(1);
    }
  }

  @Test
  @DisplayName("a quiet client keeps its session past ws.idle-timeout-ms on every transport: SockJS heartbeats, not /ws pings, keep it")
  void quietSessionsStayOpen() {
    List<NodeScript> clients = new ArrayList<>();
    try {
      for (String transport : TRANSPORTS) {
        clients.add(sockjs(transport, "TOKEN", Tokens.user(user(transport))));
      }
      for (NodeScript client : clients) {
        frame(client, "unread_count");
      }
      Await.result(TestSocket.vertx().timer(3L * IDLE_TIMEOUT_MS)); // the client sends nothing meanwhile
      for (int i = 0; i < clients.size(); i++) {
        clients.get(i).tell("{\"event\":\"ping\",\"id\":" + i + "}");
        assertThat(frame(clients.get(i), "pong").getInteger("id")).as(TRANSPORTS.get(i)).isEqualTo(i);
      }
    } finally {
      clients.forEach(NodeScript::close);
    }
  }

  /**
   * sockjs-client always polls again, so this one speaks the SockJS xhr-polling protocol itself:
   * POST {@code /sockjs/{server}/{session}/xhr} answers {@code o}, then {@code a[...]} with the
   * frames queued since the last poll, and {@code c[code,reason]} once the session is closed.
   */
  @Test
  @DisplayName("an xhr-polling client that stops polling is closed as a slow consumer; its next poll still gets the close frame with 1008")
  void pollingSlowConsumer() {
    String user = user("raw-polling");
    String session = "/sockjs/000/" + UUID.randomUUID().toString().replace("-", "");
    String token = Tokens.user(user);
    assertThat(poll(session, token)).isEqualTo("o");
    List<JsonObject> frames = new ArrayList<>();
    while (frames.stream().noneMatch(f -> "unread_count".equals(f.getString("event")))) {
      frames.addAll(frames(poll(session, token)));
    }

    JsonObject flood = new JsonObject().put("userId", user).put("event", "flood").put("message", new JsonObject().put("blob", "x".repeat(1000)));
    int sent = 3 * MAX_QUEUED / 1000;
    for (int i = 0; i < sent; i++) {
      Http.post(node.httpPort(), "/api/gateway/send", Tokens.service(), flood);
    }
    awaitOffline(user); // the session gave up on the client, which has not polled since

    frames.clear();
    String last = poll(session, token);
    while (last.startsWith("a")) {
      frames.addAll(frames(last));
      last = poll(session, token);
    }
    assertThat(last).isEqualTo("c[3000,\"Go away!\"]");
    long delivered = frames.stream().filter(f -> "flood".equals(f.getString("event"))).count();
    assertThat(delivered).isPositive().isLessThan(sent);
    JsonObject close = frames.get(frames.size() - 1);
    assertThat(close.getString("event")).isEqualTo("close");
    assertThat(close.getJsonObject("data").getInteger("code")).isEqualTo(1008);
    assertThat(close.getJsonObject("data").getString("reason")).isEqualTo("outbound queue full");
  }

  /** One xhr-polling request: the SockJS frame it answers, without its newline. */
  static String poll(String session, String token) {
    Response r = Http.request(HttpMethod.POST, node.httpPort(), session + "/xhr?token=" + token, null, null);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.text().trim();
  }

  static List<JsonObject> frames(String sockjsFrame) {
    assertThat(sockjsFrame).startsWith("a");
    List<JsonObject> out = new ArrayList<>();
    new JsonArray(sockjsFrame.substring(1)).forEach(m -> out.add(new JsonObject((String) m)));
    return out;
  }

  static void awaitOffline(String user) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (Http.get(node.httpPort(), "/api/gateway/status/" + user, Tokens.service()).json().getBoolean("connected")) {
      assertThat(System.currentTimeMillis()).as("%s still connected after 10 s", user).isLessThan(deadline);
      Await.result(TestSocket.vertx().timer(20));
    }
  }

  /** The error frame, then the close frame with the /ws code, then the SockJS close: in this order. */
  static void assertRefusedBeforeClose(NodeScript client, String code, int wsCloseCode) {
    JsonObject first = client.expect(e -> isClose(e) || isFrame(e, "error"), "an error frame or the close");
    assertThat(first.getString("type")).as(() -> "the error frame arrives before the close; output:\n" + client.output()).isEqualTo("frame");
    assertThat(first.getJsonObject("frame").getJsonObject("data").getString("code")).isEqualTo(code);
    JsonObject second = client.expect(e -> isClose(e) || isFrame(e, "close"), "the close frame or the close");
    assertThat(second.getString("type")).as(() -> "the close frame arrives before the close; output:\n" + client.output()).isEqualTo("frame");
    assertThat(second.getJsonObject("frame").getJsonObject("data").getInteger("code")).isEqualTo(wsCloseCode);
    assertThat(client.expect("close").getInteger("code")).isEqualTo(3000);
  }

  static NodeScript sockjs(String transport, String... env) {
    Map<String, String> vars = new HashMap<>(Map.of("HERALD_URL", "http://127.0.0.1:" + node.httpPort(), "TRANSPORT", transport));
    for (int i = 0; i + 1 < env.length; i += 2) {
      vars.put(env[i], env[i + 1]);
    }
    return NodeScript.start("sockjs-client.js", vars);
  }

  /** The next server frame with this event (others are skipped); the close fails the wait. */
  static JsonObject frame(NodeScript client, String event) {
    JsonObject e = client.expect(r -> isClose(r) || isFrame(r, event), "'" + event + "' frame");
    assertThat(e.getString("type")).as(() -> "closed while waiting for '" + event + "'; output:\n" + client.output()).isEqualTo("frame");
    return e.getJsonObject("frame");
  }

  static JsonObject error(NodeScript client) {
    return frame(client, "error").getJsonObject("data");
  }

  static boolean isFrame(JsonObject report, String event) {
    return "frame".equals(report.getString("type")) && event.equals(report.getJsonObject("frame").getString("event"));
  }

  static boolean isClose(JsonObject report) {
    return "close".equals(report.getString("type"));
  }

  static String user(String transport) {
    return "sj-" + transport + "-" + USERS.incrementAndGet();
  }
}

package io.herald.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.gateway.transport.sse.SseEndpoint;
import io.herald.test.Http;
import io.herald.test.Producer;
import io.herald.test.NodeScript;
import io.herald.test.SseStream;
import io.herald.test.TcpProxy;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("Server-Sent Events at /notifications/events")
class SseTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode node;

  @BeforeAll
  static void start() {
    // A short idle timeout, so the heartbeat test shows a silent SSE client outliving it.
    java.util.Map<String, Object> config = new java.util.HashMap<>(TestNodes.idleTimeout(1000));
    config.putAll(Map.of("sse.heartbeat-ms", 200, "sse.retry-ms", 200, "limits.max-connections-per-user", 2));
    node = nodes.start(config);
  }

  private static long notify(String user, String title) {
    return Producer.notify(node.httpPort(), user, title, title + " body");
  }

  private static String url(int port) {
    return "http://127.0.0.1:" + port + SseEndpoint.PATH;
  }

  @Test
  @DisplayName("no token or a bad one gets 401 with a JSON error before any stream starts")
  void unauthorized() {
    for (String[] attempt : new String[][] {
        {SseEndpoint.PATH, null},
        {SseEndpoint.PATH, "not-a-jwt"},
        {SseEndpoint.PATH + "?token=not-a-jwt", null},
        {SseEndpoint.PATH, Tokens.signRaw(new JsonObject().put("sub", "mallory"), "another-secret-0123456789-abcdefghij")}}) {
      Http.Response r = Http.get(node.httpPort(), attempt[0], attempt[1]);
      assertThat(r.status()).as(attempt[0] + " " + attempt[1]).isEqualTo(401);
      assertThat(r.json().getJsonObject("error").getString("code")).isEqualTo("UNAUTHORIZED");
      assertThat(r.json().getJsonObject("error").getString("message")).isNotBlank();
    }
  }

  @Test
  @DisplayName("the npm EventSource gets unread_count first, then live notifications with their stored id")
  void liveNotifications() {
    String user = "sse-live";
    try (NodeScript client = NodeScript.start("sse-client.js",
        Map.of("URL", url(node.httpPort()), "TOKEN", Tokens.user(user)))) {
      JsonObject first = client.expect(e -> "event".equals(e.getString("type")), "a first event");
      assertThat(first.getString("event")).isEqualTo("unread_count");
      assertThat(first.getJsonObject("data").getLong("count")).isZero();
      client.expect(e -> "unread_count".equals(e.getString("event")), "the catch-up's unread_count");
      long id = notify(user, "hello");
      JsonObject n = client.expect(e -> "notification".equals(e.getString("event")), "notification");
      assertThat(n.getString("id")).isEqualTo(Long.toString(id));
      assertThat(n.getJsonObject("data").getLong("id")).isEqualTo(id);
      assertThat(n.getJsonObject("data").getString("title")).isEqualTo("hello");
    }
  }

  @Test
  @DisplayName("after a dropped connection the EventSource reconnects with Last-Event-ID and gets exactly the missed ones")
  void reconnectReplaysExactlyTheMissed() {
    String user = "sse-reconnect";
    try (TcpProxy proxy = TcpProxy.start(node.httpPort());
         NodeScript client = NodeScript.start("sse-client.js", Map.of("URL", url(proxy.port()), "TOKEN", Tokens.user(user)))) {
      client.expect(e -> "unread_count".equals(e.getString("event")), "unread_count");
      client.expect(e -> "unread_count".equals(e.getString("event")), "the catch-up's unread_count");
      long a = notify(user, "a");
      long b = notify(user, "b");
      assertThat(client.expect(e -> "notification".equals(e.getString("event")), "a").getString("id")).isEqualTo("" + a);
      assertThat(client.expect(e -> "notification".equals(e.getString("event")), "b").getString("id")).isEqualTo("" + b);

      proxy.cut();
      client.expect("error"); // the EventSource saw the connection drop and will retry
      List<Long> missed = List.of(notify(user, "c"), notify(user, "d"), notify(user, "e"));
      proxy.resume();

      String head = proxy.awaitRequest(h -> h.contains("Last-Event-ID"), "with Last-Event-ID");
      assertThat(head).containsIgnoringCase("Last-Event-ID: " + b + "\r\n");
      client.expect("open");
      client.discardUnconsumed(); // what the first stream sent; everything below came after reconnecting
      List<String> after = new ArrayList<>();
      JsonObject e;
      do {
        e = client.expect(x -> "event".equals(x.getString("type")), "an event after reconnecting");
        after.add(e.getString("event") + (e.getString("event").equals("notification") ? ":" + e.getString("id") : ""));
        if (after.size() == 1) {
          assertThat(e.getString("event")).isEqualTo("unread_count");
          assertThat(e.getJsonObject("data").getLong("count")).isEqualTo(5);
        }
      } while (!e.getString("event").equals("unread_count") || after.size() == 1);
      long live = notify(user, "f");
      e = client.expect(x -> "event".equals(x.getString("type")), "the live one");
      after.add(e.getString("event") + ":" + e.getString("id"));

      assertThat(after).containsExactly("unread_count",
          "notification:" + missed.get(0), "notification:" + missed.get(1), "notification:" + missed.get(2),
          "unread_count", "notification:" + live);
    }
  }

  @Test
  @DisplayName("a persisted custom event arrives under its own name with its id; an ephemeral one has no id")
  void customEvents() {
    String user = "sse-custom";
    try (NodeScript client = NodeScript.start("sse-client.js",
        Map.of("URL", url(node.httpPort()), "TOKEN", Tokens.user(user), "EVENTS", "order_shipped"));
         SseStream raw = SseStream.open(node.httpPort(), SseEndpoint.PATH, Tokens.user(user))) {
      client.expect(e -> "unread_count".equals(e.getString("event")), "unread_count");
      client.expect(e -> "unread_count".equals(e.getString("event")), "the catch-up's unread_count");
      raw.next("unread_count");
      raw.next("unread_count");
      Http.Response sent = Http.post(node.httpPort(), "/api/gateway/send", Tokens.service(), new JsonObject()
          .put("userId", user).put("event", "order_shipped").put("message", new JsonObject().put("order", 42)).put("persist", true));
      assertThat(sent.status()).as(sent.text()).isEqualTo(200);
      long id = sent.json().getLong("id");
      JsonObject shipped = client.expect(e -> "order_shipped".equals(e.getString("event")), "order_shipped");
      assertThat(shipped.getString("id")).isEqualTo(Long.toString(id));
      assertThat(shipped.getJsonObject("data")).isEqualTo(new JsonObject().put("order", 42));
      assertThat(raw.next("order_shipped")).isEqualTo(new SseStream.Event("order_shipped", "" + id, "{\"order\":42}"));

      Http.post(node.httpPort(), "/api/gateway/send", Tokens.service(), new JsonObject()
          .put("userId", user).put("event", "typing").put("message", "line one\nline two"));
      assertThat(raw.next("typing")).isEqualTo(new SseStream.Event("typing", null, "\"line one\\nline two\""));
    }
  }

  @Test
  @DisplayName("the raw stream: event-stream headers, retry, unread_count first, no 'connected', heartbeats beyond the idle timeout")
  void rawStreamAndHeartbeat() {
    try (SseStream s = SseStream.open(node.httpPort(), SseEndpoint.PATH + "?token=" + Tokens.user("sse-raw"), null)) {
      assertThat(s.status()).isEqualTo(200);
      assertThat(s.header("content-type")).startsWith("text/event-stream");
      assertThat(s.header("cache-control")).isEqualTo("no-cache");
      assertThat(s.header("x-accel-buffering")).isEqualTo("no");
      // 8 heartbeats of 200 ms: longer than ws.idle-timeout-ms, which must not cut a client that only reads
      String text = s.awaitText(t -> t.split(": ping\n\n", -1).length > 8, "eight heartbeats");
      assertThat(text).startsWith("retry: 200\n\nevent: unread_count\ndata: {\"count\":0}\n\n");
      assertThat(text).doesNotContain("event: connected");
    }
  }

  @Test
  @DisplayName("an SSE stream counts toward limits.max-connections-per-user like any connection")
  void countsTowardUserLimit() {
    String token = Tokens.user("sse-limited");
    try (SseStream one = SseStream.open(node.httpPort(), SseEndpoint.PATH, token);
         SseStream two = SseStream.open(node.httpPort(), SseEndpoint.PATH, token)) {
      one.next("unread_count");
      one.next("unread_count"); // the session is admitted: its catch-up ran
      two.next("unread_count");
      two.next("unread_count");
      try (TestSocket ws = TestSocket.open(node.httpPort(), "/ws", "Authorization", "Bearer " + token)) {
        ws.expectError("TOO_MANY_CONNECTIONS");
        assertThat(ws.awaitClose()).isEqualTo((short) 4429);
      }
      try (SseStream three = SseStream.open(node.httpPort(), SseEndpoint.PATH, token)) {
        SseStream.Event error = three.next("error");
        assertThat(new JsonObject(error.data()).getString("code")).isEqualTo("TOO_MANY_CONNECTIONS");
        three.awaitEnd();
      }
    }
  }

  @Test
  @DisplayName("an expiring token ends the stream with an UNAUTHORIZED error event")
  void tokenExpiry() {
    String token = Tokens.sign(new JsonObject().put("sub", "sse-expiring"), 2);
    try (SseStream s = SseStream.open(node.httpPort(), SseEndpoint.PATH, token)) {
      assertThat(s.status()).isEqualTo(200);
      SseStream.Event error = s.next("error");
      assertThat(new JsonObject(error.data()).getString("code")).isEqualTo("UNAUTHORIZED");
      s.awaitEnd();
    }
  }

  @Test
  @DisplayName("a node shutting down sends reconnect and ends the stream")
  void shutdown() {
    HeraldNode second = nodes.start(Map.of("sse.heartbeat-ms", 200));
    try (SseStream s = SseStream.open(second.httpPort(), SseEndpoint.PATH, Tokens.user("sse-shutdown"))) {
      s.next("unread_count");
      s.next("unread_count");
      nodes.stop(second);
      SseStream.Event reconnect = s.next("reconnect");
      assertThat(new JsonObject(reconnect.data()).getString("reason")).isEqualTo("server shutting down");
      s.awaitEnd();
    }
  }
}

package io.herald.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.Http;
import io.herald.test.Http.Response;
import io.herald.test.Prometheus;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("GET /metrics: Prometheus meters that follow the traffic")
class MetricsTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();

  @Test
  @DisplayName("connections, deliveries, refused tokens, client events, REST requests and stored notifications are counted")
  void metersFollowTraffic() {
    try (TestNodes own = new TestNodes()) { // a cluster of its own: event-bus sends reach this node only
      metersFollowTraffic(own.start());
    }
  }

  private static void metersFollowTraffic(HeraldNode node) {
    int port = node.httpPort();
    String node1 = node.nodeId();
    try (TestSocket alice = TestSocket.connect(port, Tokens.user("m-alice", "course:*"))) {
      Response stored = Http.post(port, "/api/notifications", Tokens.service(), new JsonObject()
          .put("userId", "m-alice").put("type", "info").put("title", "hello").put("message", "metrics"));
      assertThat(stored.status()).isEqualTo(202);
      alice.expect("notification");
      assertThat(io.herald.test.Await.result(io.herald.client.HeraldClient.create(node.vertx())
          .sendToUser("m-alice", "over-the-bus", new JsonObject()))).isTrue();
      alice.expect("over-the-bus");
      alice.send("nonsense-event", new JsonObject(), 1);
      alice.expectError("UNKNOWN_EVENT");
      assertThat(alice.request("join-room", new JsonObject().put("room", "course:metrics")).getString("event"))
          .isEqualTo("joined-room");
      int missing = Http.post(port, "/api/notifications/987654/read", Tokens.user("m-alice"), new JsonObject()).status();
      try (TestSocket refused = TestSocket.open(port, "/ws", "Authorization", "Bearer not-a-jwt")) {
        refused.expectError("UNAUTHORIZED");
      }

      Prometheus m = Prometheus.scrape(port);
      assertThat(m.value("herald_connections", "transport", "websocket", "node", node1)).isEqualTo(1);
      assertThat(m.value("herald_connects_total", "transport", "websocket")).isEqualTo(1);
      // connected, unread_count, notification, unread_count, the error, room-joined
      assertThat(m.value("herald_deliveries_total", "transport", "websocket")).isGreaterThanOrEqualTo(5);
      assertThat(m.value("herald_auth_failures_total", "surface", "socket", "reason", "invalid_token")).isEqualTo(1);
      assertThat(m.value("herald_client_events_total", "event", "unknown", "result", "UNKNOWN_EVENT")).isEqualTo(1);
      assertThat(m.value("herald_client_events_total", "event", "join-room", "result", "ok")).isEqualTo(1);
      assertThat(m.value("herald_rest_requests_seconds_count", "route", "POST /api/notifications", "status", "202"))
          .isEqualTo(1);
      // the route's pattern, never the raw path (one series per route, whatever the ids)
      assertThat(m.value("herald_rest_requests_seconds_count", "route", "POST /api/notifications/:id/read",
          "status", Integer.toString(missing))).isEqualTo(1);
      assertThat(Prometheus.scrape(port).value("herald_rest_requests_seconds_count", "route", "POST /api/notifications/987654/read"))
          .isZero();
      assertThat(m.value("herald_eventbus_requests_seconds_count", "route", "herald.send.user", "status", "ok")).isEqualTo(1);
      assertThat(m.value("herald_notifications_stored_total")).isEqualTo(1);
      assertThat(m.value("herald_store_operations_seconds_count", "op", "insert", "outcome", "ok")).isEqualTo(1);
      assertThat(m.value("herald_replays_total", "result", "none")).isEqualTo(1);
      assertThat(m.value("herald_fanout_duration_seconds_count")).isPositive();
      assertThat(m.value("herald_rooms")).isGreaterThanOrEqualTo(2); // user:m-alice, course:metrics
      assertThat(m.value("herald_room_memberships")).isEqualTo(2);
      assertThat(m.value("herald_users_online")).isEqualTo(1);
      assertThat(m.value("herald_presence_users")).isEqualTo(1);
      assertThat(m.value("herald_presence_operations_seconds_count", "op", "connect", "outcome", "ok")).isEqualTo(1);
      assertThat(m.value("herald_room_index_operations_seconds_count", "op", "add", "outcome", "ok")).isPositive();
      assertThat(m.value("herald_cluster_nodes")).isEqualTo(1);
      assertThat(m.value("herald_node_ready")).isEqualTo(1);
      assertThat(m.has("herald_outbound_queued_bytes")).isTrue();
      assertThat(m.has("herald_event_loop_delay_seconds_count")).isTrue();
      assertThat(m.has("herald_push_retries_pending")).isTrue();
      assertThat(m.has("jvm_memory_used_bytes")).isTrue();
      assertThat(m.has("jvm_gc_pause_seconds_count") || m.has("jvm_gc_memory_allocated_bytes_total")).isTrue();
      assertThat(m.has("process_files_open_files")).isTrue();
      assertThat(m.names()).contains("netty_eventexecutor_tasks_pending", "netty_allocator_memory_used",
          "herald_netty_direct_memory_used_bytes");
    }
    dashboardQueriesExistingMeters(Prometheus.scrape(port));
    Prometheus after = Prometheus.awaitScrape(port, m -> m.value("herald_connections", "transport", "websocket") == 0);
    assertThat(after.value("herald_disconnects_total", "transport", "websocket", "reason", "peer")).isEqualTo(1);
  }

  /** Every meter the Grafana dashboard in k8s/grafana queries is one this node exports. */
  private static void dashboardQueriesExistingMeters(Prometheus m) {
    String dashboard;
    try {
      dashboard = java.nio.file.Files.readString(java.nio.file.Path.of("k8s/grafana/herald-dashboard.json"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    JsonObject json = new JsonObject(dashboard);
    java.util.regex.Matcher names = java.util.regex.Pattern.compile("\\b((?:herald|jvm)_[a-z_]+)\\b").matcher(dashboard);
    java.util.Set<String> queried = new java.util.TreeSet<>();
    while (names.find()) {
      queried.add(names.group(1));
    }
    assertThat(queried).hasSizeGreaterThan(20);
    assertThat(json.getJsonArray("panels")).isNotEmpty();
    java.util.Set<String> exported = m.names();
    // Series made at their first event, which this test may not have caused yet (push needs a push
    // service; a GC may not have run since the node started).
    queried.removeAll(java.util.Set.of("herald_push_attempts_total", "herald_disconnects_total", "jvm_gc_pause_seconds_sum"));
    for (String name : queried) {
      assertThat(exported).as("the dashboard queries %s", name).contains(name);
    }
  }

  @Test
  @DisplayName("with metrics.token, /metrics on the HTTP port needs it (401 without or with another)")
  void tokenProtected() {
    String token = "scrape-token-0123456789";
    int port = nodes.start(Map.of("metrics.token", token)).httpPort();
    assertThat(Http.request(HttpMethod.GET, port, "/metrics", null, null).status()).isEqualTo(401);
    assertThat(Http.request(HttpMethod.GET, port, "/metrics", "wrong-token", null).status()).isEqualTo(401);
    Response ok = Http.request(HttpMethod.GET, port, "/metrics", token, null);
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.text()).contains("herald_connections");
  }

  @Test
  @DisplayName("with metrics.port, /metrics and the probes are on the management port, open, and not on the HTTP port")
  void managementPort() {
    HeraldNode node = nodes.start(Map.of("metrics.port", TestNodes.freePort(), "metrics.host", "127.0.0.1",
        "metrics.token", "ignored-on-the-management-port"));
    int management = node.managementPort();
    assertThat(Http.request(HttpMethod.GET, node.httpPort(), "/metrics", null, null).status()).isEqualTo(404);
    Response scraped = Http.request(HttpMethod.GET, management, "/metrics", null, null);
    assertThat(scraped.status()).isEqualTo(200);
    assertThat(scraped.text()).contains("herald_cluster_nodes");
    assertThat(Http.request(HttpMethod.GET, management, "/health/ready", null, null).status()).isEqualTo(200);
    assertThat(Http.request(HttpMethod.GET, management, "/health/live", null, null).status()).isEqualTo(200);
  }

  @Test
  @DisplayName("GET /drain on the management port: not ready, clients told to reconnect over node.drain-spread-ms and closed 1012, answered once they are gone")
  void drainEndpoint() {
    int spread = 1000;
    HeraldNode node = nodes.start(Map.of("metrics.port", TestNodes.freePort(), "metrics.host", "127.0.0.1",
        "node.drain-spread-ms", spread));
    java.util.List<TestSocket> clients = new java.util.ArrayList<>();
    for (int i = 0; i < 10; i++) {
      clients.add(TestSocket.connect(node.httpPort(), Tokens.user("drained-" + i)));
    }
    TestSocket late = TestSocket.open(node.httpPort(), "/ws"); // upgraded before the drain, authenticates after it
    long start = System.nanoTime();
    Response drained = Http.request(HttpMethod.GET, node.managementPort(), "/drain", null, null);
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(drained.status()).isEqualTo(200);
    assertThat(drained.json().getString("status")).isEqualTo("drained");
    assertThat(drained.json().getInteger("remaining")).isZero();
    // the last of 10 is sent once 9/10 of the spread has passed: the drain cannot end sooner
    assertThat(tookMs).isGreaterThanOrEqualTo(spread * 9 / 10);
    for (TestSocket c : clients) {
      assertThat(c.expect("reconnect").getJsonObject("data").getString("reason")).isEqualTo("server shutting down");
      assertThat(c.awaitClose()).isEqualTo((short) 1012);
    }
    late.send("auth", new JsonObject().put("token", Tokens.user("drained-late")), 1);
    assertThat(late.expectError("UNAVAILABLE").getJsonObject("data").getString("message")).contains("shutting down");
    assertThat(late.awaitClose()).isEqualTo((short) 1012);
    assertThat(Http.request(HttpMethod.GET, node.managementPort(), "/health/ready", null, null).status()).isEqualTo(503);
    assertThat(Prometheus.scrape(node.managementPort()).value("herald_node_draining")).isEqualTo(1);
    assertThat(Http.request(HttpMethod.GET, node.managementPort(), "/drain", null, null).json().getString("status"))
        .isEqualTo("drained"); // idempotent
  }

  @Test
  @DisplayName("metrics.enabled false: no /metrics")
  void disabled() {
    int port = nodes.start(Map.of("metrics.enabled", false)).httpPort();
    assertThat(Http.request(HttpMethod.GET, port, "/metrics", null, null).status()).isEqualTo(404);
  }
}

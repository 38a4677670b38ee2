package io.herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.Http;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Producer;
import io.herald.test.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("two clustered nodes in one JVM")
class ClusterTest {
  TestNodes nodes;
  HeraldNode a;
  HeraldNode b;
  final String service = Tokens.service();

  @BeforeEach
  void start() {
    nodes = new TestNodes();
    a = nodes.start();
    b = nodes.start();
  }

  @AfterEach
  void stop() {
    nodes.close();
  }

  @Test
  @DisplayName("a room message and a user message published on node A reach sockets on node B")
  void crossNodeDelivery() {
    try (TestSocket onB = TestSocket.connect(b.httpPort(), Tokens.user("carol", "course:*"));
        TestSocket onA = TestSocket.connect(a.httpPort(), Tokens.user("dave", "course:*"))) {
      onB.request("join-room", new JsonObject().put("room", "course:9"));
      onA.request("join-room", new JsonObject().put("room", "course:9"));

      Http.Response room = Http.post(a.httpPort(), "/api/rooms/course:9/events", service,
          new JsonObject().put("event", "quiz").put("data", new JsonObject().put("q", 1)));
      assertThat(room.json().getBoolean("delivered")).isTrue();
      JsonObject f = onB.expect("quiz");
      assertThat(f.getString("room")).isEqualTo("course:9");
      assertThat(onA.expect("quiz").getString("room")).isEqualTo("course:9");

      Http.Response user = Http.post(a.httpPort(), "/api/gateway/send", service,
          new JsonObject().put("userId", "carol").put("event", "dm").put("message", "hello"));
      assertThat(user.json().getBoolean("success")).isTrue();
      assertThat(onB.expect("dm").getString("data")).isEqualTo("hello");

      Http.Response many = Http.post(a.httpPort(), "/api/gateway/send-many", service, new JsonObject()
          .put("userIds", new JsonArray().add("carol").add("dave")).put("event", "bulk").put("message", 1));
      assertThat(many.status()).isEqualTo(200);
      assertThat(onB.expect("bulk").getInteger("data")).isEqualTo(1);
      assertThat(onA.expect("bulk").getInteger("data")).isEqualTo(1);

      Http.post(b.httpPort(), "/api/broadcast", service, new JsonObject().put("event", "all"));
      onA.expect("all");
      onB.expect("all");

      Producer.notify(a.httpPort(), new JsonObject().put("userId", "carol").put("title", "t").put("message", "m"));
      assertThat(onB.expect("notification").getJsonObject("data").getString("type")).isEqualTo("info");
    }
  }

  @Test
  @DisplayName("status, connected and stats are cluster-wide")
  void clusterWideStatus() {
    try (TestSocket onB = TestSocket.connect(b.httpPort(), Tokens.user("erin"))) {
      assertThat(Http.get(a.httpPort(), "/api/gateway/status/erin", service).json().getBoolean("connected")).isTrue();
      assertThat(Http.get(a.httpPort(), "/api/gateway/connected", service).json().getJsonArray("connectedUsers"))
          .containsExactly("erin");
      JsonObject stats = Http.get(a.httpPort(), "/api/gateway/stats", service).json();
      assertThat(stats.getInteger("connectedUsers")).isEqualTo(1);
      assertThat(stats.getInteger("connections")).isEqualTo(1);
      assertThat(stats.getJsonArray("nodes")).hasSize(2);
    }
  }

  @Test
  @DisplayName("when a socket closes, the cluster no longer lists its user")
  void closeUpdatesIndex() {
    TestSocket s = TestSocket.connect(b.httpPort(), Tokens.user("frank"));
    s.close();
    s.awaitClose();
    awaitConnected(a, "frank", false);
  }

  @Test
  @DisplayName("a node that leaves takes its users and rooms out of the cluster index")
  void nodeLeaves() {
    TestSocket s = TestSocket.connect(b.httpPort(), Tokens.user("gina", "course:*"));
    s.request("join-room", new JsonObject().put("room", "course:1"));
    assertThat(Http.get(a.httpPort(), "/api/gateway/status/gina", service).json().getBoolean("connected")).isTrue();
    nodes.stop(b);
    assertThat(s.awaitClose()).isEqualTo((short) 1012);
    awaitConnected(a, "gina", false);
    assertThat(Http.post(a.httpPort(), "/api/rooms/course:1/events", service, new JsonObject().put("event", "x"))
        .json().getBoolean("delivered")).isFalse();
  }

  @Test
  @DisplayName("a node re-asserts its room-index and presence entries when they are lost (e.g. with a departed member's partitions)")
  void reassertsLostEntries() {
    HeraldNode c = nodes.start(java.util.Map.of("node.reconcile-interval-ms", 1000));
    try (TestSocket s = TestSocket.connect(c.httpPort(), Tokens.user("ivy", "course:*"))) {
      s.request("join-room", new JsonObject().put("room", "course:ivy"));
      awaitConnected(a, "ivy", true);
      com.hazelcast.core.HazelcastInstance hz = ((io.vertx.spi.cluster.hazelcast.HazelcastClusterManager)
          ((io.vertx.core.internal.VertxInternal) a.vertx()).clusterManager()).getHazelcastInstance();
      // a named room's index entry
      hz.getMap(io.herald.room.HazelcastRoomDirectory.ROOMS).remove("course:ivy");
      JsonObject event = new JsonObject().put("event", "lesson").put("data", 1);
      assertThat(Http.post(a.httpPort(), "/api/rooms/course:ivy/events", service, event).json().getBoolean("delivered")).isFalse();
      assertThat(awaitDelivered(() -> Http.post(a.httpPort(), "/api/rooms/course:ivy/events", service, event).json()
          .getBoolean("delivered"))).as("room event delivered again after the node re-asserted its index entry").isTrue();
      s.expect("lesson");
      // the user's presence entry, which routes the personal room
      hz.getMap(io.herald.cluster.UserConnections.MAP).remove("ivy");
      JsonObject dm = new JsonObject().put("userId", "ivy").put("event", "dm").put("message", 1);
      assertThat(Http.post(a.httpPort(), "/api/gateway/send", service, dm).json().getBoolean("success")).isFalse();
      assertThat(awaitDelivered(() -> Http.post(a.httpPort(), "/api/gateway/send", service, dm).json().getBoolean("success")))
          .as("delivered to the personal room again after the node put its presence entry back").isTrue();
      s.expect("dm");
      awaitConnected(a, "ivy", true);
    }
  }

  /** Polls {@code delivered} every 100 ms, at most 10 s, until it says true. */
  private static boolean awaitDelivered(java.util.function.BooleanSupplier delivered) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      if (delivered.getAsBoolean()) {
        return true;
      }
      io.herald.test.Await.result(TestSocket.vertx().timer(100));
    }
    return false;
  }

  /**
   * Polls the status endpoint (bounded) until it reports {@code expected}. A poll answered with an
   * error (503 while the cluster rebalances after a member left) is retried.
   */
  private void awaitConnected(HeraldNode node, String user, boolean expected) {
    long deadline = System.currentTimeMillis() + 30_000;
    Boolean connected = null;
    while (System.currentTimeMillis() < deadline) {
      Http.Response r = Http.request(io.vertx.core.http.HttpMethod.GET, node.httpPort(), "/api/gateway/status/" + user, service, null, 15);
      connected = r.status() == 200 ? r.json().getBoolean("connected") : null;
      if (connected != null && connected == expected) {
        return;
      }
      io.herald.test.Await.result(TestSocket.vertx().timer(50));
    }
    assertThat(connected).as("connected(" + user + ")").isEqualTo(expected);
  }
}

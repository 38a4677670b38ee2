package io.herald.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("the dashboard's stats_update")
class DashboardStatsTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static final int INTERVAL = 300;
  static HeraldNode a;
  static HeraldNode b;

  @BeforeAll
  static void start() {
    Map<String, Object> config = Map.of("dashboard.stats-interval-ms", INTERVAL, "rooms.open-prefixes", List.of("dashboard"));
    a = nodes.start(config);
    b = nodes.start(config);
  }

  @Test
  @DisplayName("members of dashboard:stats get cluster-wide counts once per interval, from one node, and the messages sent in it")
  void statsUpdate() {
    try (TestSocket watcher = TestSocket.connect(b.httpPort(), Tokens.user("dash-watcher"));
        TestSocket u1 = TestSocket.connect(a.httpPort(), Tokens.user("dash-u1"));
        TestSocket u2a = TestSocket.connect(a.httpPort(), Tokens.user("dash-u2"));
        TestSocket u2b = TestSocket.connect(b.httpPort(), Tokens.user("dash-u2"))) {
      assertThat(watcher.request("join-room", new JsonObject().put("room", "dashboard:stats")).getString("event"))
          .isEqualTo("joined-room");
      JsonObject first = watcher.nextMatching(f -> "stats_update".equals(f.getString("event"))
          && f.getJsonObject("data").getLong("connections") == 4 && f.getJsonObject("data").getLong("onlineUsers") == 3,
          "stats_update counting 4 connections of 3 users on two nodes");
      assertThat(first.getString("room")).isEqualTo("dashboard:stats");
      long previous = first.getJsonObject("data").getLong("timestamp");
      for (int i = 0; i < 3; i++) {
        JsonObject next = watcher.expect("stats_update").getJsonObject("data");
        assertThat(next.getLong("timestamp") - previous).as("one update per interval, not one per node")
            .isGreaterThanOrEqualTo(INTERVAL / 2);
        previous = next.getLong("timestamp");
      }

      u1.request("sendMessage", new JsonObject().put("receiverId", "dash-u2").put("content", "1"));
      u2b.request("sendMessage", new JsonObject().put("receiverId", "dash-u1").put("content", "2"));
      long counted = 0;
      while (counted < 2) {
        JsonObject update = watcher.expect("stats_update").getJsonObject("data");
        counted += update.getLong("messages");
        assertThat(update.getLong("messages")).isLessThanOrEqualTo(2);
      }
      assertThat(counted).isEqualTo(2);
    }
  }
}

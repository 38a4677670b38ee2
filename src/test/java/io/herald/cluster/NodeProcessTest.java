package io.herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.Http;
import io.herald.test.ProcessNode;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("nodes as separate processes: SIGTERM and SIGKILL")
class NodeProcessTest {
  TestNodes nodes;

  @BeforeEach
  void setUp() {
    nodes = new TestNodes();
  }

  @AfterEach
  void tearDown() {
    nodes.close();
  }

  @Test
  @DisplayName("SIGTERM: clients get 'reconnect' and close 1012, and the process exits within 10 s")
  void sigterm() {
    try (ProcessNode node = ProcessNode.start(nodes.config(Map.of()))) {
      TestSocket s = TestSocket.connect(node.httpPort(), Tokens.user("tess"));
      long signalled = System.nanoTime();
      node.process().toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of its output)
      JsonObject reconnect = s.expect("reconnect");
      assertThat(reconnect.getJsonObject("data").getString("reason")).isNotBlank();
      assertThat(s.awaitClose()).isEqualTo((short) 1012);
      node.awaitLine("left the cluster", 10);
      node.awaitExit(10);
      assertThat((System.nanoTime() - signalled) / 1_000_000).isLessThan(10_000);
    }
  }

  @Test
  @DisplayName("SIGKILL: the survivors purge the dead node's users and rooms from the cluster index")
  void sigkill() {
    HeraldNode survivor = nodes.start();
    String service = Tokens.service();
    try (ProcessNode doomed = ProcessNode.start(nodes.config(Map.of()))) {
      TestSocket s = TestSocket.connect(doomed.httpPort(), Tokens.user("kim", "course:*"));
      s.request("join-room", new JsonObject().put("room", "course:77"));
      assertThat(Http.get(survivor.httpPort(), "/api/gateway/status/kim", service).json().getBoolean("connected")).isTrue();
      assertThat(Http.get(survivor.httpPort(), "/api/gateway/stats", service).json().getJsonArray("nodes")).hasSize(2);

      doomed.process().destroyForcibly(); // SIGKILL: no cleanup of its own
      doomed.awaitExit(10);

      long deadline = System.currentTimeMillis() + 20_000;
      boolean connected = true;
      while (connected && System.currentTimeMillis() < deadline) {
        connected = Http.get(survivor.httpPort(), "/api/gateway/status/kim", service).json().getBoolean("connected");
        io.herald.test.Await.result(TestSocket.vertx().timer(50));
      }
      assertThat(connected).as("kim still listed 20 s after her node was killed").isFalse();
      assertThat(Http.post(survivor.httpPort(), "/api/rooms/course:77/events", service, new JsonObject().put("event", "x"))
          .json().getBoolean("delivered")).isFalse();
      assertThat(Http.get(survivor.httpPort(), "/api/gateway/stats", service).json().getJsonArray("nodes")).hasSize(1);
    }
  }
}

package io.herald.presence;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.config.HeraldConfig;
import io.herald.test.Http;
import io.herald.test.ProcessNode;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("three node processes: one killed with SIGKILL")
class PresenceCrashTest {
  final TestNodes cluster = new TestNodes();
  final List<ProcessNode> processes = new ArrayList<>();

  @AfterEach
  void tearDown() {
    processes.forEach(ProcessNode::close);
    cluster.close();
  }

  @Test
  @DisplayName("survivors mark the dead node's users offline within 15 s (unless connected elsewhere), and a restart resurrects nothing")
  void sigkill() {
    HeraldConfig config = cluster.config(Map.of());
    Map<String, String> env = Map.of("HERALD_PRESENCE_GRACE_MS", "2000");
    ProcessNode n1 = start(config, env);
    ProcessNode n2 = start(config, env);
    ProcessNode n3 = start(config, env);
    String service = Tokens.service();

    TestSocket watcher = TestSocket.connect(n1.httpPort(), Tokens.user("watcher"));
    TestSocket onlyOn3 = TestSocket.connect(n3.httpPort(), Tokens.user("only-on-3"));
    TestSocket bothA = TestSocket.connect(n2.httpPort(), Tokens.user("on-2-and-3"));
    TestSocket bothB = TestSocket.connect(n3.httpPort(), Tokens.user("on-2-and-3"));
    watcher.request("subscribe-user-status", new JsonObject().put("userId", "only-on-3"));
    watcher.request("subscribe-user-status", new JsonObject().put("userId", "on-2-and-3"));
    assertThat(Http.get(n1.httpPort(), "/api/gateway/stats", service).json().getJsonArray("members")).hasSize(3);

    long killed = System.nanoTime();
    n3.process().destroyForcibly();
    JsonObject offline = watcher.expect("user_status").getJsonObject("data");
    long afterMs = (System.nanoTime() - killed) / 1_000_000;
    assertThat(offline.getString("userId")).isEqualTo("only-on-3");
    assertThat(offline.getString("status")).isEqualTo("offline");
    assertThat(afterMs).as("offline announced %d ms after the kill", afterMs).isLessThan(15_000);

    assertThat(Http.get(n1.httpPort(), "/api/gateway/status/only-on-3", service).json().getBoolean("connected")).isFalse();
    assertThat(Http.get(n2.httpPort(), "/api/gateway/status/on-2-and-3", service).json().getBoolean("connected")).isTrue();
    JsonObject stats = Http.get(n2.httpPort(), "/api/gateway/stats", service).json();
    assertThat(stats.getJsonArray("members")).hasSize(2);
    assertThat(stats.getJsonArray("nodes")).hasSize(2);
    PresenceTest.assertNoFrameBut(watcher, "pong"); // no offline for the user still connected on node 2

    ProcessNode restarted = start(config, env);
    assertThat(Http.get(restarted.httpPort(), "/api/gateway/status/only-on-3", service).json().getBoolean("connected")).isFalse();
    assertThat(Http.get(restarted.httpPort(), "/api/gateway/connected", service).json().getJsonArray("connectedUsers"))
        .containsExactlyInAnyOrder("watcher", "on-2-and-3");
    List.of(watcher, onlyOn3, bothA, bothB).forEach(TestSocket::close);
  }

  private ProcessNode start(HeraldConfig config, Map<String, String> env) {
    ProcessNode n = ProcessNode.start(config, env);
    processes.add(n);
    return n;
  }
}

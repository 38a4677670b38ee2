package io.herald.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.client.HeraldClient;
import io.herald.test.Await;
import io.herald.test.TestNodes;
import io.herald.test.Prometheus;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("per-connection limits: inbound rate and outbound queue")
class LimitsTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode node;

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("ws.rate-limit-per-minute", 5, "ws.max-outbound-queue-bytes", 65536));
  }

  @Test
  @DisplayName("every event over the rate limit gets its own RATE_LIMITED with its id")
  void rateLimit() {
    try (TestSocket s = TestSocket.connect(node.httpPort(), Tokens.user("chatty"))) {
      for (int i = 0; i < 8; i++) {
        s.send("ping", new JsonObject(), i);
      }
      Map<Integer, String> replies = new HashMap<>();
      for (int i = 0; i < 8; i++) {
        JsonObject f = s.next();
        String what = f.getString("event").equals("error") ? f.getJsonObject("data").getString("code") : f.getString("event");
        replies.put(f.getInteger("id"), what);
      }
      assertThat(replies).hasSize(8);
      assertThat(replies.values().stream().filter("pong"::equals).count()).isEqualTo(5);
      assertThat(replies.values().stream().filter("RATE_LIMITED"::equals).count()).isEqualTo(3);
      assertThat(s.isClosed()).isFalse();
    }
  }

  @Test
  @DisplayName("a client that does not read is disconnected with 1008 instead of growing the heap")
  void slowConsumer() {
    HeraldClient producer = HeraldClient.create(node.vertx());
    TestSocket s = TestSocket.connect(node.httpPort(), Tokens.user("sleepy"));
    s.raw().pause(); // stop reading: the kernel buffers fill, then Herald's queue
    JsonObject chunk = new JsonObject().put("blob", "x".repeat(60_000));
    boolean stillConnected = true;
    int sent = 0;
    while (stillConnected && sent < 3000) {
      stillConnected = Await.result(producer.sendToUser("sleepy", "flood", chunk));
      sent++;
    }
    assertThat(stillConnected).as("disconnected after %d messages of 60 kB", sent).isFalse();
    s.raw().resume();
    assertThat(s.awaitClose()).isEqualTo((short) 1008);
    Prometheus m = Prometheus.awaitScrape(node.httpPort(),
        p -> p.value("herald_disconnects_total", "transport", "websocket", "reason", "slow_consumer") == 1);
    assertThat(m.value("herald_drops_total", "transport", "websocket", "reason", "slow_consumer")).isEqualTo(1);
  }
}

package io.herald.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
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

@DisplayName("the per-user rate limit across nodes")
class UserRateLimitTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode a;
  static HeraldNode b;

  @BeforeAll
  static void start() {
    a = nodes.start(Map.of("ws.rate-limit-per-minute", 6));
    b = nodes.start(Map.of("ws.rate-limit-per-minute", 6));
  }

  @Test
  @DisplayName("two connections of one user on two nodes share one budget: the 7th event of the minute is RATE_LIMITED with retryAfterMs")
  void sharedAcrossNodes() {
    try (TestSocket onA = TestSocket.connect(a.httpPort(), Tokens.user("rl-user"));
        TestSocket onB = TestSocket.connect(b.httpPort(), Tokens.user("rl-user"));
        TestSocket other = TestSocket.connect(b.httpPort(), Tokens.user("rl-other"))) {
      for (int i = 0; i < 4; i++) {
        assertThat(onA.request("ping", new JsonObject()).getString("event")).isEqualTo("pong");
      }
      List<String> onBReplies = new ArrayList<>();
      JsonObject limited = null;
      for (int i = 0; i < 4; i++) {
        JsonObject reply = onB.request("ping", new JsonObject());
        onBReplies.add(reply.getString("event"));
        if ("error".equals(reply.getString("event"))) {
          limited = reply.getJsonObject("data");
        }
      }
      assertThat(onBReplies).containsExactly("pong", "pong", "error", "error");
      assertThat(limited.getString("code")).isEqualTo("RATE_LIMITED");
      assertThat(limited.getLong("retryAfterMs")).isEqualTo(10_000L);
      assertThat(other.request("ping", new JsonObject()).getString("event")).as("another user has a budget of their own")
          .isEqualTo("pong");
      assertThat(onA.request("ping", new JsonObject()).getJsonObject("data").getString("code")).isEqualTo("RATE_LIMITED");
    }
  }
}

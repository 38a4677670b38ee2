package io.herald.presence;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.Http;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("per-node connection limit")
class NodeLimitTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode node;

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("limits.max-connections-per-node", 2));
  }

  @Test
  @DisplayName("a full node refuses new connections with 1013 and is not ready until one closes")
  void full() {
    int port = node.httpPort();
    try (TestSocket one = TestSocket.connect(port, Tokens.user("nl-1"))) {
      TestSocket two = TestSocket.connect(port, Tokens.user("nl-2"));
      assertThat(Http.get(port, "/health/ready", null).status()).isEqualTo(503);
      TestSocket three = TestSocket.open(port, "/ws?token=" + Tokens.user("nl-3"));
      three.expectError("UNAVAILABLE");
      assertThat(three.awaitClose()).isEqualTo((short) 1013);
      two.close();
      two.awaitClose();
      assertThat(Http.awaitStatus(port, "/health/ready", null, 200, 10).status()).isEqualTo(200);
      try (TestSocket four = TestSocket.connect(port, Tokens.user("nl-4"))) {
        assertThat(four.isClosed()).isFalse();
      }
    }
  }
}

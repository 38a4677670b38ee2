package io.herald.presence;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("presence.subscribe-policy: claim")
class PresencePolicyTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode node;

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("presence.subscribe-policy", "claim", "presence.max-subscriptions-per-connection", 2));
  }

  @Test
  @DisplayName("only users listed in the token's presence claim (ids or patterns) can be watched, up to the limit")
  void claimPolicy() {
    String token = Tokens.sign(new JsonObject().put("sub", "boss").put("presence", new JsonArray().add("team-*").add("ceo")), 3600);
    try (TestSocket s = TestSocket.connect(node.httpPort(), token)) {
      assertThat(s.request("subscribe-user-status", new JsonObject().put("userId", "team-7")).getString("event")).isEqualTo("subscribed");
      assertThat(s.request("subscribe-user-status", new JsonObject().put("userId", "ceo")).getString("event")).isEqualTo("subscribed");
      assertThat(s.request("subscribe-user-status", new JsonObject().put("userId", "stranger")).getJsonObject("data").getString("code"))
          .isEqualTo("FORBIDDEN");
      assertThat(s.request("subscribe-user-status", new JsonObject().put("userId", "team-8")).getJsonObject("data").getString("code"))
          .isEqualTo("TOO_MANY_SUBSCRIPTIONS");
      assertThat(s.request("subscribe-user-status", new JsonObject()).getJsonObject("data").getString("code")).isEqualTo("BAD_REQUEST");
    }
  }
}

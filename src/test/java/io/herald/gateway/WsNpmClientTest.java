package io.herald.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.Http;
import io.herald.test.NodeScript;
import io.herald.test.TestNodes;
import io.herald.test.Tokens;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("/ws with the npm 'ws' client")
class WsNpmClientTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode node;

  @BeforeAll
  static void start() {
    node = nodes.start();
  }

  @Test
  @DisplayName("connects with ?token=, gets pong, and receives an event sent through REST")
  void wsClient() {
    String url = "http://127.0.0.1:" + node.httpPort();
    try (NodeScript client = NodeScript.start("ws-smoke.js", Map.of("HERALD_URL", url, "TOKEN", Tokens.user("npm-ws")))) {
      client.expect(e -> e.getJsonObject("frame", new JsonObject()).getString("event", "").equals("connected"), "connected");
      client.expect(e -> "pong".equals(e.getJsonObject("frame", new JsonObject()).getString("event")), "pong");
      Http.post(node.httpPort(), "/api/gateway/send", Tokens.service(),
          new JsonObject().put("userId", "npm-ws").put("event", "done").put("message", new JsonObject().put("ok", true)));
      JsonObject done = client.expect(e -> "done".equals(e.getJsonObject("frame", new JsonObject()).getString("event")), "done");
      assertThat(done.getJsonObject("frame").getJsonObject("data").getBoolean("ok")).isTrue();
      assertThat(client.expect("closed").getInteger("code")).isEqualTo(1000);
    }
  }
}

package io.herald.logging;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.test.Http;
import io.herald.test.ProcessNode;
import io.herald.test.SseStream;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("production logs: one JSON object per line, ids in the MDC, never a token")
class JsonLogsTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();

  @Test
  @DisplayName("a run at debug level over every way a token arrives logs JSON lines with node, session, user and request ids, and no token or secret")
  void jsonLinesWithoutSecrets() {
    String user = Tokens.user("log-user");
    String service = Tokens.service();
    // A well-formed token with a wrong signature: its claims must not reach the log either.
    String forged = user.substring(0, user.lastIndexOf('.') + 1) + "AAAA" + user.substring(user.lastIndexOf('.') + 5);
    String requestId = "req-0123456789";
    List<String> lines;
    try (ProcessNode node = ProcessNode.start(nodes.config(Map.of()), Map.of("HERALD_LOG_LEVEL", "DEBUG"))) {
      int port = node.httpPort();
      try (TestSocket header = TestSocket.connect(port, user);
          TestSocket query = TestSocket.open(port, "/ws?token=" + user)) {
        query.expect("connected");
        Http.Response r = Http.request(HttpMethod.POST, port, "/api/notifications", service,
            new JsonObject().put("userId", "log-user").put("type", "info").put("title", "t").put("message", "m").encode(),
            30, "X-Request-Id", requestId);
        assertThat(r.status()).isEqualTo(202);
        header.expect("notification");
        try (SseStream sse = SseStream.open(port, io.herald.gateway.transport.sse.SseEndpoint.PATH + "?token=" + user, null)) {
          sse.next("unread_count");
        }
        try (TestSocket bad = TestSocket.open(port, "/ws", "Authorization", "Bearer " + forged)) {
          bad.expectError("UNAUTHORIZED");
        }
        assertThat(Http.request(HttpMethod.GET, port, "/api/gateway/connected", forged, null).status()).isEqualTo(401);
      }
      node.process().toHandle().destroy(); // SIGTERM
      node.awaitExit(15);
      lines = List.of(node.output().split("\n"));
    }

    List<JsonObject> json = new ArrayList<>();
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      assertThat(line).as("a log line").startsWith("{");
      json.add(new JsonObject(line));
    }
    assertThat(json).isNotEmpty();
    for (JsonObject j : json) {
      assertThat(j.fieldNames()).contains("@timestamp", "level", "logger_name", "message");
    }
    String output = String.join("\n", lines);
    for (String secret : List.of(user, service, forged, TestNodes.SECRET, signature(user), signature(service),
        payload(user), payload(service))) {
      assertThat(output).as("the log holds a token or the signing secret").doesNotContain(secret);
    }
    int ready = indexOf(json, "ready:");
    assertThat(json.subList(ready, json.size())).allSatisfy(j -> assertThat(j.getString("node")).isNotBlank());
    assertThat(json).anySatisfy(j -> {
      assertThat(j.getString("userId")).isEqualTo("log-user");
      assertThat(j.getString("sessionId")).isNotBlank();
    });
    assertThat(json).anySatisfy(j -> assertThat(j.getString("requestId")).isEqualTo(requestId));
  }

  private static int indexOf(List<JsonObject> json, String text) {
    for (int i = 0; i < json.size(); i++) {
      if (json.get(i).getString("message", "").contains(text)) {
        return i;
      }
    }
    throw new AssertionError("no line with " + text);
  }

  private static String signature(String jwt) {
    return jwt.substring(jwt.lastIndexOf('.') + 1);
  }

  private static String payload(String jwt) {
    return jwt.split("\\.")[1];
  }
}

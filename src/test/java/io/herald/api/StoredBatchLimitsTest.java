package io.herald.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.cluster.Addresses;
import io.herald.test.Await;
import io.herald.test.Http;
import io.herald.test.TestNodes;
import io.herald.test.Tokens;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One stored send-many writes a row per user in one transaction: it is bounded before anything is stored. */
@DisplayName("stored send-many limits (notifications.max-batch-rows and -bytes)")
class StoredBatchLimitsTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode node;
  static final String SERVICE = Tokens.service();

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("notifications.max-batch-rows", 50, "notifications.max-batch-bytes", 10_000));
  }

  static JsonArray users(String prefix, int n) {
    JsonArray a = new JsonArray();
    for (int i = 0; i < n; i++) {
      a.add(prefix + i);
    }
    return a;
  }

  static JsonObject message(int padBytes) {
    return new JsonObject().put("title", "t").put("message", "x".repeat(padBytes));
  }

  @Test
  @DisplayName("more bytes than max-batch-bytes (payload x users): 413 PAYLOAD_TOO_LARGE at once, nothing stored")
  void tooManyBytes() {
    var r = Http.post(node.httpPort(), "/api/gateway/send-many", SERVICE, new JsonObject()
        .put("userIds", users("bytes-", 40)).put("event", "notification").put("message", message(500)));
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.json().getJsonObject("error").getString("code")).isEqualTo("PAYLOAD_TOO_LARGE");
    assertThat(r.json().getJsonObject("error").getString("message")).contains("notifications.max-batch-bytes");
    assertThat(Http.get(node.httpPort(), "/api/notifications", Tokens.user("bytes-0")).json().getJsonArray("items")).isEmpty();
  }

  @Test
  @DisplayName("more users than max-batch-rows: 413 PAYLOAD_TOO_LARGE, nothing stored")
  void tooManyRows() {
    var r = Http.post(node.httpPort(), "/api/gateway/send-many", SERVICE, new JsonObject()
        .put("userIds", users("rows-", 51)).put("event", "custom").put("persist", true).put("message", new JsonObject()));
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.json().getJsonObject("error").getString("message")).contains("notifications.max-batch-rows");
    assertThat(Http.get(node.httpPort(), "/api/notifications", Tokens.user("rows-0")).json().getJsonArray("items")).isEmpty();
  }

  @Test
  @DisplayName("the event-bus API refuses the same batch with failure code 413")
  void eventBus() {
    Throwable err = Await.failure(node.vertx().eventBus().request(Addresses.SEND_USERS, new JsonObject()
        .put("userIds", users("eb-", 40)).put("event", "notification").put("data", message(500))));
    assertThat(err).isInstanceOf(ReplyException.class);
    assertThat(((ReplyException) err).failureCode()).isEqualTo(413);
  }

  @Test
  @DisplayName("a batch within both limits is stored for every user and answered 200")
  void withinLimits() {
    var r = Http.post(node.httpPort(), "/api/gateway/send-many", SERVICE, new JsonObject()
        .put("userIds", users("ok-", 10)).put("event", "notification").put("message", message(100)));
    assertThat(r.status()).isEqualTo(200);
    assertThat(Http.get(node.httpPort(), "/api/notifications", Tokens.user("ok-9")).json().getJsonArray("items")).hasSize(1);
  }
}

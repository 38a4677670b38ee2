package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.Await;
import io.herald.test.Http;
import io.herald.test.Http.Response;
import io.herald.test.TestDatabase;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.SseStream;
import io.herald.test.Producer;
import io.herald.test.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("PostgreSQL down and back: 503s, nothing delivered or half-written, recovery without restart")
class StoreDownTest {
  static TestDatabase db;
  static TestNodes nodes;
  static HeraldNode node;
  static final String SERVICE = Tokens.service();

  @BeforeAll
  static void start() {
    db = TestDatabase.start(TestSocket.vertx(), Map.of(), Map.of());
    nodes = new TestNodes();
    node = nodes.start(Map.of(
        "pg.url", "postgresql://postgres:postgres@localhost:" + db.db().embeddedPort() + "/postgres",
        "pg.timeout-ms", 2000));
  }

  @AfterAll
  static void stop() {
    nodes.close();
    db.close();
  }

  @Test
  @DisplayName("outage: 503 STORE_UNAVAILABLE, not ready; back: 202, ready, exactly the committed rows")
  void outage() {
    int port = node.httpPort();
    try (TestSocket s = TestSocket.connect(port, Tokens.user("olga"))) {
      assertThat(post("before").status()).isEqualTo(202);
      s.expect("notification");
      s.expect("unread_count");

      Await.result(db.db().stopEmbedded(), 60);
      Response down = post("during");
      assertThat(down.status()).isEqualTo(503);
      assertThat(down.json().getJsonObject("error").getString("code")).isEqualTo("STORE_UNAVAILABLE");
      Response batch = Http.post(port, "/api/gateway/send-many", SERVICE, new JsonObject()
          .put("userIds", new JsonArray().add("olga").add("oscar")).put("event", "notification")
          .put("message", new JsonObject().put("title", "batch").put("message", "m")));
      assertThat(batch.status()).isEqualTo(503);
      awaitReady(port, false);
      // Nothing of the failed calls reached the socket: the next frame is the reply to this ping.
      s.send("ping", new JsonObject(), "p1");
      assertThat(s.next().getString("event")).isEqualTo("pong");

      Await.result(db.db().startEmbedded(), 60);
      awaitReady(port, true);
      assertThat(post("after").status()).isEqualTo(202);
      assertThat(s.expect("notification").getJsonObject("data").getString("title")).isEqualTo("after");
    }
    JsonArray items = Http.get(port, "/api/notifications", Tokens.user("olga")).json().getJsonArray("items");
    assertThat(items.stream().map(o -> ((JsonObject) o).getString("title")).toList()).containsExactly("after", "before");
    assertThat(Http.get(port, "/api/notifications", Tokens.user("oscar")).json().getJsonArray("items")).isEmpty();
  }

  @Test
  @DisplayName("an SSE stream whose replay failed sends live stored events without id:, so the browser reconnects from its old cursor")
  void sseAfterFailedReplay() {
    int port = node.httpPort();
    String user = "sara";
    long first = Producer.notify(port, new JsonObject().put("userId", user).put("title", "first").put("message", "m"));
    Await.result(db.db().stopEmbedded(), 60);
    try (SseStream s = SseStream.open(port, io.herald.gateway.transport.sse.SseEndpoint.PATH, Tokens.user(user),
        "Last-Event-ID", Long.toString(first))) {
      assertThat(s.next("error").data()).contains("could not replay");
      Await.result(db.db().startEmbedded(), 60);
      awaitReady(port, true);
      assertThat(Http.post(port, "/api/notifications", SERVICE,
          new JsonObject().put("userId", user).put("title", "live").put("message", "m")).status()).isEqualTo(202);
      SseStream.Event live = s.next("notification");
      assertThat(new JsonObject(live.data()).getString("title")).isEqualTo("live");
      assertThat(live.id()).as("the live event's id: field").isNull();
    } finally {
      Await.result(db.db().startEmbedded(), 60);
    }
  }

  private static Response post(String title) {
    return Http.post(node.httpPort(), "/api/notifications", SERVICE,
        new JsonObject().put("userId", "olga").put("title", title).put("message", "m"));
  }

  /** Polls /health/ready (bounded) until it reports the expected state. */
  private static void awaitReady(int port, boolean ready) {
    int expected = ready ? 200 : 503;
    assertThat(Http.awaitStatus(port, "/health/ready", null, expected, 20).status()).as("/health/ready").isEqualTo(expected);
  }
}

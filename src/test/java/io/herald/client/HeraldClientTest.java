package io.herald.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.cluster.Addresses;
import io.herald.ClusterSetup;
import io.herald.routing.RoutingVerticle;
import io.herald.test.Await;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("event-bus producers: a plain clustered verticle reaches Herald's sockets")
class HeraldClientTest {
  static TestNodes nodes;
  static HeraldNode herald;
  static Vertx producer;
  static HeraldClient client;

  @BeforeAll
  static void start() {
    nodes = new TestNodes();
    herald = nodes.start();
    // A backend's own clustered Vert.x: not a Herald node, same cluster.
    producer = Await.result(Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setPort(0)))
        .withClusterManager(new HazelcastClusterManager(ClusterSetup.hazelcastConfig(nodes.producerConfig())))
        .buildClustered());
    client = HeraldClient.create(producer);
  }

  @AfterAll
  static void stop() {
    Await.result(producer.close());
    nodes.close();
  }

  @Test
  @DisplayName("sendToUser, sendToUsers, sendToRoom, broadcast and notify deliver to sockets")
  void facadeDelivers() {
    try (TestSocket s = TestSocket.connect(herald.httpPort(), Tokens.user("hank", "team:*"))) {
      s.request("join-room", new JsonObject().put("room", "team:1"));
      assertThat(Await.result(client.sendToUser("hank", "invoice", new JsonObject().put("n", 1)))).isTrue();
      assertThat(s.expect("invoice").getJsonObject("data").getInteger("n")).isEqualTo(1);
      assertThat(Await.result(client.sendToUsers(List.of("hank", "ghost"), "many", "x"))).isEqualTo(1);
      assertThat(s.expect("many").getString("data")).isEqualTo("x");
      assertThat(Await.result(client.sendToRoom("team:1", "standup", null))).isTrue();
      assertThat(s.expect("standup").getString("room")).isEqualTo("team:1");
      assertThat(Await.result(client.broadcast("hello-all", "!"))).isTrue();
      s.expect("hello-all");
      assertThat(Await.result(client.notify("hank", "warning", "Low balance", "Top up", new JsonObject()))).isTrue();
      assertThat(s.expect("notification").getJsonObject("data").getString("type")).isEqualTo("warning");
    }
  }

  @Test
  @DisplayName("an offline user is reported as not delivered, not as an error")
  void offline() {
    assertThat(Await.result(client.sendToUser("nobody-home", "e", 1))).isFalse();
  }

  @Test
  @DisplayName("the facade never fails: bad arguments and no Herald node are logged and return false")
  void neverFails() {
    assertThat(Await.result(client.sendToUser(null, "e", 1))).isFalse();
    assertThat(Await.result(client.notify("u", "nonsense-type", "t", "m", null))).isFalse();
    assertThat(Await.result(client.sendToRoom("bad room", "e", 1))).isFalse();
    Vertx lonely = Vertx.vertx();
    try {
      HeraldClient offline = HeraldClient.create(lonely, 500);
      assertThat(Await.result(offline.sendToUser("u", "e", 1))).isFalse();
      assertThat(Await.result(offline.sendToUsers(List.of("u"), "e", 1))).isZero();
    } finally {
      Await.result(lonely.close());
    }
  }

  @Test
  @DisplayName("raw event-bus requests with a bad body fail with code 400 naming the field")
  void rawAddresses() {
    Throwable err = Await.failure(producer.eventBus().request(Addresses.SEND_ROOM, new JsonObject().put("event", "e")));
    assertThat(err).isInstanceOf(ReplyException.class);
    assertThat(((ReplyException) err).failureCode()).isEqualTo(RoutingVerticle.BAD_REQUEST);
    assertThat(err.getMessage()).contains("room");
  }
}

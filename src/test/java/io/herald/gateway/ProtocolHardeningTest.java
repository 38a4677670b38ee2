package io.herald.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.Await;
import io.herald.test.Http;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Producer;
import io.herald.test.Tokens;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Inputs an attacker or a buggy client sends, and the limits that hold against them. */
@DisplayName("protocol limits against hostile and buggy clients")
class ProtocolHardeningTest {
  static final int MAX_FRAME = 1024;
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode node;
  static final String SERVICE = Tokens.service();

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("ws.max-frame-bytes", MAX_FRAME, "presence.status-lookups-per-minute", 5));
  }

  @Test
  @DisplayName("a frame over ws.max-frame-bytes sent behind the auth frame is answered PAYLOAD_TOO_LARGE in its turn")
  void oversizeFrameWhileAuthenticating() {
    try (TestSocket s = TestSocket.open(node.httpPort(), "/ws")) {
      s.send("auth", new JsonObject().put("token", Tokens.user("u-early-big")), "auth");
      s.send("ping", new JsonObject().put("pad", "x".repeat(MAX_FRAME * 2)), "big");
      s.send("ping", new JsonObject(), "small");
      assertThat(s.expect("connected").getValue("id")).isEqualTo("auth");
      JsonObject error = s.expect("error");
      assertThat(error.getJsonObject("data").getString("code")).isEqualTo("PAYLOAD_TOO_LARGE");
      JsonObject pong = s.expect("pong");
      assertThat(pong.getValue("id")).isEqualTo("small");
      assertThat(s.isClosed()).isFalse();
    }
  }

  @Test
  @DisplayName("a resume cursor above every stored id does not mute the live notifications that follow")
  void cursorFromTheFuture() {
    String user = "u-future-cursor";
    Producer.notify(node.httpPort(), new JsonObject().put("userId", user).put("title", "old").put("message", "m"));
    try (TestSocket s = TestSocket.open(node.httpPort(), "/ws?lastNotificationId=9000000000000",
        "Authorization", "Bearer " + Tokens.user(user))) {
      s.expect("connected");
      s.expect("unread_count");
      var posted = Http.post(node.httpPort(), "/api/notifications", SERVICE,
          new JsonObject().put("userId", user).put("title", "live").put("message", "m"));
      assertThat(posted.status()).isEqualTo(202);
      JsonObject live = s.expect("notification");
      assertThat(live.getJsonObject("data").getString("title")).isEqualTo("live");
      assertThat(live.getLong("notificationId")).isEqualTo(posted.json().getLong("id"));
    }
  }

  @Test
  @DisplayName("a resume cursor the client really reached still suppresses nothing new and replays nothing old")
  void cursorAtTheNewest() {
    String user = "u-cursor";
    long last = Producer.notify(node.httpPort(), new JsonObject().put("userId", user).put("title", "seen").put("message", "m"));
    try (TestSocket s = TestSocket.open(node.httpPort(), "/ws?lastNotificationId=" + last,
        "Authorization", "Bearer " + Tokens.user(user))) {
      s.expect("connected");
      s.expect("unread_count");
      Producer.notify(node.httpPort(), new JsonObject().put("userId", user).put("title", "next").put("message", "m"));
      assertThat(s.expect("notification").getJsonObject("data").getString("title")).isEqualTo("next");
    }
  }

  @Test
  @DisplayName("under subscribe-policy any, status look-ups past presence.status-lookups-per-minute are RATE_LIMITED")
  void statusLookupBudget() {
    try (TestSocket s = TestSocket.connect(node.httpPort(), Tokens.user("u-curious"))) {
      JsonArray three = new JsonArray().add("a").add("b").add("c");
      assertThat(s.request("get-online-status", new JsonObject().put("userIds", three)).getString("event")).isEqualTo("online-status");
      JsonObject over = s.request("get-online-status", new JsonObject().put("userIds", three));
      assertThat(over.getJsonObject("data").getString("code")).isEqualTo("RATE_LIMITED");
      assertThat(s.request("subscribe-user-status", new JsonObject().put("userId", "d")).getString("event")).isEqualTo("subscribed");
      assertThat(s.request("subscribe-user-status", new JsonObject().put("userId", "e")).getString("event")).isEqualTo("subscribed");
      JsonObject overSub = s.request("subscribe-user-status", new JsonObject().put("userId", "f"));
      assertThat(overSub.getJsonObject("data").getString("code")).isEqualTo("RATE_LIMITED");
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/eventbus/000/hardening/jsonp?c=cb", "/eventbus/000/hardening/htmlfile?c=cb"})
  @DisplayName("the event-bus bridge offers no JSONP or htmlfile transport")
  void bridgeTransports(String path) {
    assertThat(Http.get(node.httpPort(), path, null).status()).isEqualTo(404);
    assertThat(Http.get(node.httpPort(), "/eventbus/info", null).status()).isEqualTo(200);
  }

  @Test
  @DisplayName("the event-bus bridge offers no raw WebSocket at /eventbus/websocket")
  void bridgeRawWebSocket() {
    Throwable refused = Await.failure(TestSocket.vertx().createWebSocketClient().connect(
        new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.httpPort()).setURI("/eventbus/websocket")));
    assertThat(refused.getMessage()).contains("404");
  }
}

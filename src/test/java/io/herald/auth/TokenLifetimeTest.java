package io.herald.auth;

import static io.herald.auth.AuthTest.assertRefused;
import static io.herald.auth.AuthTest.assertUnauthorizedReply;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.Http;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Tokens that never expire, and what a refreshed token still grants. */
@DisplayName("token lifetime: jwt.require-exp and refresh-token")
class TokenLifetimeTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode node;

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("ws.auth-timeout-ms", 2000));
  }

  static String noExp(JsonObject claims) {
    return Tokens.sign(claims, 0);
  }

  @ParameterizedTest(name = "presented as {0}")
  @EnumSource(AuthTest.Delivery.class)
  @DisplayName("a user token without exp is refused with UNAUTHORIZED")
  void userTokenWithoutExpRefused(AuthTest.Delivery delivery) {
    try (TestSocket s = delivery.open(node.httpPort(), noExp(new JsonObject().put("sub", "u-forever")))) {
      assertThat(assertRefused(s).getJsonObject("data").getString("message")).contains("exp");
    }
    assertThat(Http.get(node.httpPort(), "/api/notifications/unread-count", noExp(new JsonObject().put("sub", "u-forever")))
        .status()).isEqualTo(401);
  }

  @Test
  @DisplayName("a service token without exp may call the REST API but never holds a connection")
  void serviceTokenWithoutExp() {
    String service = noExp(new JsonObject().put("sub", "backend").put("roles", new JsonArray().add("service")));
    assertThat(Http.get(node.httpPort(), "/api/gateway/stats", service).status()).isEqualTo(200);
    try (TestSocket s = AuthTest.Delivery.HEADER.open(node.httpPort(), service)) {
      assertRefused(s);
    }
  }

  @Test
  @DisplayName("jwt.require-exp: false accepts user tokens without exp")
  void requireExpOff() {
    HeraldNode lenient = nodes.start(Map.of("jwt.require-exp", false));
    try (TestSocket s = TestSocket.connect(lenient.httpPort(), noExp(new JsonObject().put("sub", "u-lenient")))) {
      assertThat(s.request("ping", new JsonObject()).getString("event")).isEqualTo("pong");
    } finally {
      nodes.stop(lenient);
    }
  }

  @Test
  @DisplayName("refresh-token with a service token without exp is UNAUTHORIZED")
  void refreshWithoutExp() {
    try (TestSocket s = TestSocket.connect(node.httpPort(), Tokens.sign(new JsonObject().put("sub", "backend"), 600))) {
      String forever = noExp(new JsonObject().put("sub", "backend").put("roles", new JsonArray().add("service")));
      assertUnauthorizedReply(s.request("refresh-token", new JsonObject().put("token", forever)));
    }
  }

  @Test
  @DisplayName("refresh-token leaves the rooms the new token no longer grants, each with a left-room event, and keeps the others")
  void refreshLeavesRevokedRooms() {
    String user = "u-revoked";
    String service = Tokens.service();
    JsonObject claims = new JsonObject().put("sub", user);
    try (TestSocket s = TestSocket.connect(node.httpPort(),
        Tokens.sign(claims.copy().put("rooms", new JsonArray().add("course:*").add("team:1")), 600))) {
      for (String room : new String[] {"course:1", "course:2", "team:1"}) {
        assertThat(s.request("join-room", new JsonObject().put("room", room)).getString("event")).isEqualTo("joined-room");
      }
      s.send("refresh-token", new JsonObject().put("token",
          Tokens.sign(claims.copy().put("rooms", new JsonArray().add("course:2")), 1200)), "refresh");
      java.util.Set<String> left = new java.util.HashSet<>();
      JsonObject f = s.next();
      while (!"refresh".equals(f.getValue("id"))) {
        if ("left-room".equals(f.getString("event"))) {
          left.add(f.getJsonObject("data").getString("room"));
        }
        f = s.next();
      }
      assertThat(f.getString("event")).isEqualTo("token-refreshed");
      assertThat(left).containsExactlyInAnyOrder("course:1", "team:1");
      // The kept room still delivers; the left ones do not.
      for (String room : new String[] {"course:1", "team:1", "course:2"}) {
        Http.post(node.httpPort(), "/api/rooms/" + room + "/events", service,
            new JsonObject().put("event", "room-event").put("data", new JsonObject().put("room", room)));
      }
      JsonObject event = s.expect("room-event");
      assertThat(event.getString("room")).isEqualTo("course:2");
      assertThat(s.request("ping", new JsonObject()).getString("event")).isEqualTo("pong");
      assertThat(s.drain()).noneMatch(frame -> "room-event".equals(frame.getString("event")));
    }
  }
}

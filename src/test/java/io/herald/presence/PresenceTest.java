package io.herald.presence;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.Await;
import io.herald.test.Http;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("presence across two clustered nodes")
class PresenceTest {
  static final int GRACE_MS = 600;
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode a;
  static HeraldNode b;
  static final String SERVICE = Tokens.service();

  @BeforeAll
  static void start() {
    Map<String, Object> config = Map.of(
        "presence.grace-ms", GRACE_MS,
        "presence.room-prefixes", List.of("live-session"),
        "limits.max-connections-per-user", 3);
    a = nodes.start(config);
    b = nodes.start(config);
  }

  @Test
  @DisplayName("get-online-status answers for users on any node")
  void onlineStatus() {
    try (TestSocket u1 = TestSocket.connect(a.httpPort(), Tokens.user("os-1"));
        TestSocket u2 = TestSocket.connect(b.httpPort(), Tokens.user("os-2"))) {
      JsonObject r = u2.request("get-online-status", new JsonObject().put("userIds", new JsonArray().add("os-1").add("os-2").add("os-3")));
      assertThat(r.getString("event")).isEqualTo("online-status");
      assertThat(r.getJsonObject("data").getJsonObject("status"))
          .isEqualTo(new JsonObject().put("os-1", true).put("os-2", true).put("os-3", false));
      JsonArray tooMany = new JsonArray();
      for (int i = 0; i < 1001; i++) {
        tooMany.add("u" + i);
      }
      assertThat(u1.request("get-online-status", new JsonObject().put("userIds", tooMany))
          .getJsonObject("data").getString("code")).isEqualTo("BAD_REQUEST");
    }
  }

  @Test
  @DisplayName("transitions, not connections: one online, one offline after the grace period")
  void transitions() {
    try (TestSocket watcher = TestSocket.connect(a.httpPort(), Tokens.user("watcher-1"))) {
      JsonObject sub = watcher.request("subscribe-user-status", new JsonObject().put("userId", "tr-1"));
      assertThat(sub.getString("event")).isEqualTo("subscribed");
      assertThat(sub.getJsonObject("data").getString("userId")).isEqualTo("tr-1");

      TestSocket phone = TestSocket.connect(b.httpPort(), Tokens.user("tr-1"));
      JsonObject online = watcher.expect("user_status").getJsonObject("data");
      assertThat(online.getString("userId")).isEqualTo("tr-1");
      assertThat(online.getString("status")).isEqualTo("online");
      assertThat(online.getLong("timestamp")).isPositive();

      TestSocket laptop = TestSocket.connect(a.httpPort(), Tokens.user("tr-1")); // no second 'online'
      phone.close();
      phone.awaitClose();
      laptop.close();
      long lastClosed = System.currentTimeMillis();
      laptop.awaitClose();
      JsonObject offline = watcher.expect("user_status").getJsonObject("data");
      assertThat(offline.getString("status")).isEqualTo("offline");
      assertThat(System.currentTimeMillis() - lastClosed).isGreaterThanOrEqualTo(GRACE_MS - 50);
      assertNoFrameBut(watcher, "pong");
    }
  }

  @Test
  @DisplayName("a reconnect within the grace period, even on another node, shows no flap")
  void noFlap() {
    try (TestSocket watcher = TestSocket.connect(a.httpPort(), Tokens.user("watcher-2"))) {
      TestSocket first = TestSocket.connect(a.httpPort(), Tokens.user("fl-1"));
      watcher.request("subscribe-user-status", new JsonObject().put("userId", "fl-1"));
      first.close();
      first.awaitClose();
      try (TestSocket again = TestSocket.connect(b.httpPort(), Tokens.user("fl-1"))) {
        Await.result(TestSocket.vertx().timer(GRACE_MS + 400)); // let the grace period pass: absence is the assertion
        assertNoFrameBut(watcher, "pong");
        assertThat(Http.get(a.httpPort(), "/api/gateway/status/fl-1", SERVICE).json().getBoolean("connected")).isTrue();
      }
    }
  }

  @Test
  @DisplayName("unsubscribe-user-status stops the events")
  void unsubscribe() {
    try (TestSocket watcher = TestSocket.connect(b.httpPort(), Tokens.user("watcher-3"))) {
      watcher.request("subscribe-user-status", new JsonObject().put("userId", "un-1"));
      JsonObject r = watcher.request("unsubscribe-user-status", new JsonObject().put("userId", "un-1"));
      assertThat(r.getString("event")).isEqualTo("unsubscribed");
      assertThat(r.getJsonObject("data").getString("userId")).isEqualTo("un-1");
      try (TestSocket u = TestSocket.connect(a.httpPort(), Tokens.user("un-1"))) {
        assertNoFrameBut(watcher, "pong");
      }
    }
  }

  @Test
  @DisplayName("REST status, connected and stats answer from cluster-wide presence, with the grace period")
  void restStatus() {
    TestSocket s = TestSocket.connect(b.httpPort(), Tokens.user("rs-1"));
    assertThat(Http.get(a.httpPort(), "/api/gateway/status/rs-1", SERVICE).json().getBoolean("connected")).isTrue();
    assertThat(Http.get(a.httpPort(), "/api/gateway/connected", SERVICE).json().getJsonArray("connectedUsers")).contains("rs-1");
    JsonObject stats = Http.get(a.httpPort(), "/api/gateway/stats", SERVICE).json();
    assertThat(stats.getJsonArray("members")).hasSize(2);
    assertThat(stats.getJsonArray("nodes")).hasSize(2);
    s.close();
    s.awaitClose();
    long closed = System.currentTimeMillis();
    // Still reported online during the grace period, then offline.
    assertThat(Http.get(a.httpPort(), "/api/gateway/status/rs-1", SERVICE).json().getBoolean("connected")).isTrue();
    boolean connected = true;
    while (connected && System.currentTimeMillis() - closed < 10_000) {
      Await.result(TestSocket.vertx().timer(50));
      connected = Http.get(a.httpPort(), "/api/gateway/status/rs-1", SERVICE).json().getBoolean("connected");
    }
    assertThat(connected).isFalse();
    assertThat(System.currentTimeMillis() - closed).isGreaterThanOrEqualTo(GRACE_MS - 50);
  }

  @Test
  @DisplayName("room presence: members see who is in the room; configured prefixes announce joins and leaves")
  void roomPresence() {
    try (TestSocket host = TestSocket.connect(a.httpPort(), Tokens.user("rp-host", "live-session:*"));
        TestSocket guest = TestSocket.connect(b.httpPort(), Tokens.user("rp-guest", "live-session:*"))) {
      host.request("join-room", new JsonObject().put("room", "live-session:1"));
      assertThat(host.expect("user_presence").getJsonObject("data").getString("userId")).isEqualTo("rp-host"); // its own
      JsonObject forbidden = guest.request("get-room-presence", new JsonObject().put("room", "live-session:1"));
      assertThat(forbidden.getJsonObject("data").getString("code")).isEqualTo("FORBIDDEN");

      guest.request("join-room", new JsonObject().put("room", "live-session:1"));
      JsonObject joined = host.expect("user_presence");
      assertThat(joined.getString("room")).isEqualTo("live-session:1");
      assertThat(joined.getJsonObject("data")).isEqualTo(new JsonObject()
          .put("room", "live-session:1").put("userId", "rp-guest").put("status", "joined"));

      JsonObject members = host.request("get-room-presence", new JsonObject().put("room", "live-session:1"));
      assertThat(members.getString("event")).isEqualTo("room-presence");
      assertThat(members.getJsonObject("data").getJsonArray("users")).containsExactly("rp-guest", "rp-host");

      try (TestSocket guestTablet = TestSocket.connect(a.httpPort(), Tokens.user("rp-guest", "live-session:*"))) {
        guestTablet.request("join-room", new JsonObject().put("room", "live-session:1"));
        guestTablet.request("leave-room", new JsonObject().put("room", "live-session:1"));
      }
      assertNoFrameBut(host, "pong"); // a second device of a present user changes nothing

      guest.request("leave-room", new JsonObject().put("room", "live-session:1"));
      assertThat(host.expect("user_presence").getJsonObject("data").getString("status")).isEqualTo("left");
    }
  }

  @Test
  @DisplayName("status rooms are internal: join-room on presence:* is forbidden")
  void internalRooms() {
    try (TestSocket s = TestSocket.connect(a.httpPort(), Tokens.user("int-1", "*"))) {
      assertThat(s.request("join-room", new JsonObject().put("room", "presence:int-2")).getJsonObject("data").getString("code"))
          .isEqualTo("FORBIDDEN");
    }
  }

  @Test
  @DisplayName("at most limits.max-connections-per-user across the cluster: the next gets TOO_MANY_CONNECTIONS and 4429")
  void perUserLimit() {
    try (TestSocket c1 = TestSocket.connect(a.httpPort(), Tokens.user("lim-1"));
        TestSocket c2 = TestSocket.connect(b.httpPort(), Tokens.user("lim-1"));
        TestSocket c3 = TestSocket.connect(a.httpPort(), Tokens.user("lim-1"))) {
      TestSocket c4 = TestSocket.open(b.httpPort(), "/ws?token=" + Tokens.user("lim-1"));
      assertThat(c4.expectError("TOO_MANY_CONNECTIONS")).isNotNull();
      assertThat(c4.awaitClose()).isEqualTo((short) 4429);
      c3.close();
      c3.awaitClose();
      // Presence hears of the close a moment after the client does: a place frees up, bounded.
      long deadline = System.currentTimeMillis() + 10_000;
      boolean admitted = false;
      while (!admitted && System.currentTimeMillis() < deadline) {
        try (TestSocket again = TestSocket.open(b.httpPort(), "/ws?token=" + Tokens.user("lim-1"))) {
          admitted = "connected".equals(again.next().getString("event"));
        }
        if (!admitted) {
          Await.result(TestSocket.vertx().timer(100));
        }
      }
      assertThat(admitted).as("a connection is admitted again once one closed").isTrue();
    }
  }

  /** Sends a ping and asserts that the next frame is its reply: nothing else arrived before it. */
  static void assertNoFrameBut(TestSocket s, String reply) {
    s.send("ping", new JsonObject(), "marker");
    JsonObject next = s.next();
    assertThat(next.getString("event")).as("unexpected frame " + next).isEqualTo(reply);
  }
}

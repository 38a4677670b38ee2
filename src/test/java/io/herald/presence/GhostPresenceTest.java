package io.herald.presence;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.herald.HeraldNode;
import io.herald.cluster.Addresses;
import io.herald.test.Await;
import io.herald.test.Http;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Presence entries nobody will remove: an admission that completed after its requester gave up (a
 * stalled Hazelcast, a reconnect storm) is exactly a {@code herald.presence.connect} for a session
 * that never opened. The node that owns such entries removes them itself.
 */
@DisplayName("ghost presence entries")
class GhostPresenceTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode node;
  static final String SERVICE = Tokens.service();

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("node.reconcile-interval-ms", 1000, "presence.grace-ms", 0,
        "limits.max-connections-per-user", 2));
  }

  @Test
  @DisplayName("late admissions without a session are removed by the node's reconciliation: the user can connect again and shows offline")
  void lateAdmissionsRemoved() {
    String user = "ghosted";
    for (String session : new String[] {"late-admission-1", "late-admission-2"}) {
      Await.result(node.vertx().eventBus().request(Addresses.PRESENCE_CONNECT,
          new JsonObject().put("userId", user).put("sessionId", session), Addresses.LOCAL));
    }
    // Right now the user is at the limit and shows online with no connection at all.
    try (TestSocket refused = TestSocket.open(node.httpPort(), "/ws", "Authorization", "Bearer " + Tokens.user(user))) {
      refused.expectError("TOO_MANY_CONNECTIONS");
    }
    assertThat(connected(user)).isTrue();
    // Two reconciliations (one to suspect, one to remove), then the grace period of 0.
    long deadline = System.currentTimeMillis() + 15_000;
    while (connected(user) && System.currentTimeMillis() < deadline) {
      Await.result(TestSocket.vertx().timer(200));
    }
    assertThat(connected(user)).as("online after the reconciliation").isFalse();
    try (TestSocket a = TestSocket.connect(node.httpPort(), Tokens.user(user));
        TestSocket b = TestSocket.connect(node.httpPort(), Tokens.user(user))) {
      assertThat(connected(user)).isTrue();
      // Live sessions are never taken for ghosts, however many reconciliations pass.
      long until = System.currentTimeMillis() + 2500;
      while (System.currentTimeMillis() < until) {
        Await.result(TestSocket.vertx().timer(250));
      }
      assertThat(a.request("ping", new JsonObject()).getString("event")).isEqualTo("pong");
      assertThat(b.request("ping", new JsonObject()).getString("event")).isEqualTo("pong");
      assertThat(connected(user)).isTrue();
      try (TestSocket third = TestSocket.open(node.httpPort(), "/ws", "Authorization", "Bearer " + Tokens.user(user))) {
        third.expectError("TOO_MANY_CONNECTIONS");
      }
    }
  }

  @Test
  @DisplayName("a disconnect held up by the user's entry being locked elsewhere (a member mid-change) completes once it is free: the user goes offline")
  void disconnectHeldUp() throws Exception {
    // Reconciliation off on this node, so only the disconnect itself can remove the entry.
    HeraldNode other = nodes.start(Map.of("node.reconcile-interval-ms", 3_600_000, "presence.grace-ms", 0));
    HazelcastInstance hz = ((HazelcastClusterManager) ((VertxInternal) other.vertx()).clusterManager()).getHazelcastInstance();
    IMap<String, String> users = hz.getMap(PresenceManager.USERS);
    String user = "u-locked";
    try {
      TestSocket s = TestSocket.connect(other.httpPort(), Tokens.user(user));
      assertThat(connected(user)).isTrue();
      users.lock(user); // held by this thread: the node's compare-and-set waits for it
      try {
        s.close();
        s.awaitClose();
        // while the entry is locked the disconnect cannot land: the user is still listed
        Await.result(TestSocket.vertx().timer(500));
        assertThat(users.get(user)).as("entry while locked").contains(String.valueOf('\u0002'));
      } finally {
        users.unlock(user);
      }
      long deadline = System.currentTimeMillis() + 10_000;
      while (connected(user) && System.currentTimeMillis() < deadline) {
        Await.result(TestSocket.vertx().timer(100));
      }
      assertThat(connected(user)).as("offline once the entry was free").isFalse();
    } finally {
      nodes.stop(other);
    }
  }

  /** While {@link #refused} is set, fails every write replacing a value that contains it (a write the cluster fails). */
  static final class RefuseWrites implements com.hazelcast.map.MapInterceptor {
    static volatile String refused;

    @Override
    public Object interceptGet(Object value) {
      return null;
    }

    @Override
    public void afterGet(Object value) {}

    @Override
    public Object interceptPut(Object oldValue, Object newValue) {
      if (refused != null && oldValue instanceof String old && old.contains(refused)) {
        throw new IllegalStateException("refused by the test");
      }
      return null;
    }

    @Override
    public void afterPut(Object value) {}

    @Override
    public Object interceptRemove(Object removedValue) {
      return null;
    }

    @Override
    public void afterRemove(Object value) {}
  }

  @Test
  @DisplayName("a disconnect the cluster fails is retried: the user goes offline once writes succeed again")
  void disconnectRetried() throws Exception {
    // Reconciliation off on this node, so only the retry can remove the entry.
    HeraldNode other = nodes.start(Map.of("node.reconcile-interval-ms", 3_600_000, "presence.grace-ms", 0));
    ch.qos.logback.classic.Logger presenceLog =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(PresenceVerticle.class);
    java.util.concurrent.CountDownLatch firstAttemptFailed = new java.util.concurrent.CountDownLatch(1);
    ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent> watch = new ch.qos.logback.core.AppenderBase<>() {
      @Override
      protected void append(ch.qos.logback.classic.spi.ILoggingEvent e) {
        if (e.getFormattedMessage().startsWith("presence disconnect failed for u-refused (attempt 1)")) {
          firstAttemptFailed.countDown();
        }
      }
    };
    watch.start();
    presenceLog.addAppender(watch);
    HazelcastInstance hz = ((HazelcastClusterManager) ((VertxInternal) other.vertx()).clusterManager()).getHazelcastInstance();
    IMap<String, String> users = hz.getMap(PresenceManager.USERS);
    String user = "u-refused";
    String interceptor = users.addInterceptor(new RefuseWrites());
    try {
      TestSocket s = TestSocket.connect(other.httpPort(), Tokens.user(user));
      assertThat(connected(user)).isTrue();
      // every write of an entry with a connection fails now (interceptors see values, not keys)
      RefuseWrites.refused = String.valueOf(io.herald.cluster.UserConnections.CONNECTION);
      try {
        s.close();
        s.awaitClose();
        assertThat(firstAttemptFailed.await(30, java.util.concurrent.TimeUnit.SECONDS))
            .as("the first disconnect attempt failed").isTrue();
        assertThat(connected(user)).as("still listed while writes fail").isTrue();
      } finally {
        RefuseWrites.refused = null;
      }
      long deadline = System.currentTimeMillis() + 15_000;
      while (connected(user) && System.currentTimeMillis() < deadline) {
        Await.result(TestSocket.vertx().timer(100));
      }
      assertThat(connected(user)).as("offline after the retried disconnect").isFalse();
    } finally {
      RefuseWrites.refused = null;
      users.removeInterceptor(interceptor);
      presenceLog.detachAppender(watch);
      nodes.stop(other);
    }
  }

  static boolean connected(String user) {
    return Http.get(node.httpPort(), "/api/gateway/status/" + user, SERVICE).json().getBoolean("connected");
  }
}

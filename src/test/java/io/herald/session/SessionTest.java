package io.herald.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.config.ConfigLoader;
import io.herald.config.HeraldConfig;
import io.herald.protocol.CloseCodes;
import io.herald.protocol.ServerFrame;
import io.herald.room.LocalRooms;
import io.herald.room.RoomPolicy;
import io.herald.routing.RoutingClient;
import io.herald.test.MemoryDirectory;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The session state machine with no network: a recording transport, fake auth, presence and
 * store, a fake clock, and a real in-memory room index.
 */
@DisplayName("Session, without a network")
class SessionTest {
  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();
  private final FakeServices services = new FakeServices();
  private final MemoryDirectory directory = new MemoryDirectory();
  private final LocalRooms rooms = new LocalRooms(vertx, "node-1", directory);
  private final RecordingTransport transport = new RecordingTransport();
  private SessionHub hub;

  private SessionHub hub(Map<String, Object> settings) {
    Map<String, Object> all = new HashMap<>(Map.of("jwt.secret", "x".repeat(32)));
    all.putAll(settings);
    HeraldConfig config = ConfigLoader.load(Map.of(), Path.of("target/no-config-here"), all);
    services.perMinute = config.rateLimitPerMinute;
    hub = new SessionHub(vertx, config, rooms, new RoutingClient(vertx, directory), new NodeState(), services);
    return hub;
  }

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /** Runs {@code action} on the session's event loop and returns its result. */
  private <T> T on(Supplier<T> action) {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(v -> {
      try {
        result.complete(action.get());
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    });
    try {
      return result.get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private Session open(String upgradeToken, String cursor) {
    Session s = on(() -> hub.open(transport));
    on(() -> {
      s.start(upgradeToken, cursor);
      return null;
    });
    return s;
  }

  private static void assertFrame(ServerFrame f, String event) {
    assertThat(f.event()).as("frame %s", f.json()).isEqualTo(event);
  }

  private static String errorCode(ServerFrame f) {
    assertFrame(f, "error");
    return ((JsonObject) f.data()).getString("code");
  }

  @Test
  @DisplayName("a token on the upgrade opens it: connected, the unread replayed, the unread count; registered and in its room")
  void opensWithUpgradeToken() {
    hub(Map.of());
    services.store("alice", 7);
    Session s = open("token:alice", null);
    ServerFrame connected = transport.next();
    assertFrame(connected, "connected");
    assertThat(((JsonObject) connected.data()).getString("userId")).isEqualTo("alice");
    assertThat(((JsonObject) connected.data()).getLong("timestamp")).isEqualTo(services.millis());
    assertThat(transport.next().notificationId()).isEqualTo(7);
    assertThat(((JsonObject) transport.next().data()).getLong("count")).isEqualTo(1);
    assertThat(on(s::state)).isEqualTo(Session.State.OPEN);
    assertThat(hub.registry().size()).isEqualTo(1);
    assertThat(rooms.members(RoomPolicy.userRoom("alice"))).containsExactly(s);
    assertThat(directory.lists("user:alice")).isTrue();
  }

  @Test
  @DisplayName("an auth frame opens it and 'connected' answers the frame's id; a bad token is refused (4401)")
  void authFrame() {
    hub(Map.of());
    Session s = on(() -> hub.open(transport));
    on(() -> {
      s.start(null, null);
      s.onText("{\"event\":\"auth\",\"data\":{\"token\":\"token:bob\"},\"id\":9}");
      return null;
    });
    ServerFrame connected = transport.next();
    assertFrame(connected, "connected");
    assertThat(connected.requestId()).isEqualTo(9);

    RecordingTransport other = new RecordingTransport();
    Session refused = on(() -> hub.open(other));
    on(() -> {
      refused.start("nonsense", null);
      return null;
    });
    assertThat(errorCode(other.next())).isEqualTo("UNAUTHORIZED");
    assertThat(other.closedWith()).isEqualTo(CloseCodes.UNAUTHORIZED);
    assertThat(on(refused::state)).isEqualTo(Session.State.CLOSED);
  }

  @Test
  @DisplayName("no auth frame within ws.auth-timeout-ms: UNAUTHORIZED, then close 4401")
  void authTimeout() {
    hub(Map.of("ws.auth-timeout-ms", 100));
    Session s = open(null, null);
    assertThat(errorCode(transport.next())).isEqualTo("UNAUTHORIZED");
    assertThat(transport.closedWith()).isEqualTo(CloseCodes.UNAUTHORIZED);
    assertThat(on(s::state)).isEqualTo(Session.State.CLOSED);
  }

  @Test
  @DisplayName("requests sent while the token is verified are answered in order once open, bad ones included")
  void earlyRequests() {
    hub(Map.of());
    services.verifyGate = Promise.promise();
    Session s = open(null, null);
    on(() -> {
      s.onText("{\"event\":\"auth\",\"data\":{\"token\":\"token:carol\"}}");
      s.onText("{\"event\":\"ping\",\"id\":1}");
      s.onText("not json");
      s.request("ping", null, 2L, 10);
      services.verifyGate.complete();
      return null;
    });
    assertFrame(transport.next(), "connected");
    assertFrame(transport.next(), "unread_count");
    ServerFrame pong = transport.next();
    assertFrame(pong, "pong");
    assertThat(pong.requestId()).isEqualTo(1);
    assertThat(errorCode(transport.next())).isEqualTo("BAD_REQUEST");
    assertThat(transport.next().requestId()).isEqualTo(2L);
  }

  @Test
  @DisplayName("more than 16 requests before authentication completes: refused")
  void tooManyEarly() {
    hub(Map.of());
    services.verifyGate = Promise.promise();
    Session s = open("token:dave", null);
    on(() -> {
      for (int i = 0; i < Inbound.MAX_EARLY + 1; i++) {
        s.onText("{\"event\":\"ping\"}");
      }
      return null;
    });
    assertThat(errorCode(transport.next())).isEqualTo("UNAUTHORIZED");
    assertThat(transport.closedWith()).isEqualTo(CloseCodes.UNAUTHORIZED);
  }

  @Test
  @DisplayName("catch-up: live frames wait for the replay; a live copy of a replayed item is dropped, later ones are not")
  void catchUpHoldsAndDedups() {
    hub(Map.of());
    services.store("erin", 1);
    services.store("erin", 2);
    services.store("erin", 3);
    services.afterGate = Promise.promise();
    Session s = open("token:erin", "1");
    assertFrame(transport.next(), "connected");
    ServerFrame duplicate = services.stored.get(2).toFrame();
    ServerFrame later = services.store("erin", 4).toFrame();
    ServerFrame ephemeral = ServerFrame.event("typing", new JsonObject());
    on(() -> {
      s.deliver(duplicate, null);
      s.deliver(later, null);
      s.deliver(ephemeral, null);
      return null;
    });
    assertThat(transport.quiet()).as("nothing live before the replay").isTrue();
    // The replay read happens now, after the live copies arrived: it has 2, 3 and 4.
    services.stored.remove(3);
    on(() -> {
      services.afterGate.complete();
      return null;
    });
    assertThat(transport.next().notificationId()).isEqualTo(2);
    assertThat(transport.next().notificationId()).isEqualTo(3);
    assertFrame(transport.next(), "unread_count");
    assertThat(transport.next().notificationId()).isEqualTo(4);
    assertFrame(transport.next(), "typing");
    on(() -> {
      s.deliver(duplicate, null); // arrives late: still a duplicate
      s.deliver(ServerFrame.event("after", null), null);
      return null;
    });
    assertFrame(transport.next(), "after");
  }

  @Test
  @DisplayName("a replay that fails: an error naming it, the transport told (SSE stops advancing its cursor), then the count and live frames")
  void replayFails() {
    hub(Map.of());
    services.afterGate = Promise.promise();
    Session s = open("token:gil", "3");
    assertFrame(transport.next(), "connected");
    on(() -> {
      s.deliver(ServerFrame.event("held", null), null);
      services.afterGate.fail(new io.herald.protocol.ProtocolException(io.herald.protocol.ErrorCode.STORE_UNAVAILABLE, "down"));
      return null;
    });
    assertThat(errorCode(transport.next())).isEqualTo("STORE_UNAVAILABLE");
    assertThat(transport.replayFailed).isTrue();
    assertFrame(transport.next(), "unread_count");
    assertFrame(transport.next(), "held");
  }

  @Test
  @DisplayName("a bad resume cursor is reported after 'connected', and the unread are sent instead")
  void badCursor() {
    hub(Map.of());
    services.store("fay", 5);
    open("token:fay", "yesterday");
    assertFrame(transport.next(), "connected");
    assertThat(errorCode(transport.next())).isEqualTo("BAD_REQUEST");
    assertThat(transport.next().notificationId()).isEqualTo(5);
  }

  @Test
  @DisplayName("when the shared rate budget cannot be reached, the connection's own budget decides, in order")
  void rateLimitFallback() {
    hub(Map.of("ws.rate-limit-per-minute", 2));
    services.limitsDown = true;
    Session s = open("token:hal", null);
    assertFrame(transport.next(), "connected");
    assertFrame(transport.next(), "unread_count");
    on(() -> {
      for (int i = 1; i <= 3; i++) {
        s.onText("{\"event\":\"ping\",\"id\":" + i + "}");
      }
      return null;
    });
    assertThat(transport.next().requestId()).isEqualTo(1);
    assertThat(transport.next().requestId()).isEqualTo(2);
    ServerFrame limited = transport.next();
    assertThat(errorCode(limited)).isEqualTo("RATE_LIMITED");
    assertThat(((io.vertx.core.json.JsonObject) limited.data()).getLong("retryAfterMs")).isEqualTo(30_000L);
  }

  @Test
  @DisplayName("limits: frames over ws.max-frame-bytes, events over the rate, a full outbound queue (1008)")
  void limits() {
    hub(Map.of("ws.max-frame-bytes", 256, "ws.rate-limit-per-minute", 2));
    Session s = open("token:gus", null);
    assertFrame(transport.next(), "connected");
    assertFrame(transport.next(), "unread_count");
    on(() -> {
      s.onText("{\"event\":\"ping\",\"data\":{\"pad\":\"" + "é".repeat(200) + "\"}}");
      s.onText("{\"event\":\"ping\",\"id\":1}");
      s.onText("{\"event\":\"ping\",\"id\":2}");
      s.onText("{\"event\":\"ping\",\"id\":3}");
      return null;
    });
    assertThat(errorCode(transport.next())).isEqualTo("PAYLOAD_TOO_LARGE");
    assertThat(transport.next().requestId()).isEqualTo(1);
    assertThat(transport.next().requestId()).isEqualTo(2);
    ServerFrame limited = transport.next();
    assertThat(errorCode(limited)).isEqualTo("RATE_LIMITED");
    assertThat(limited.requestId()).isEqualTo(3);
    services.nanos.addAndGet(TimeUnit.SECONDS.toNanos(30)); // half a minute refills one
    on(() -> {
      s.onText("{\"event\":\"ping\",\"id\":4}");
      return null;
    });
    assertThat(transport.next().requestId()).isEqualTo(4);

    transport.full = true;
    on(() -> {
      s.deliver(ServerFrame.event("x", null), null);
      return null;
    });
    assertThat(transport.closedWith()).isEqualTo(CloseCodes.SLOW_CONSUMER);
    assertThat(on(s::state)).isEqualTo(Session.State.CLOSED);
  }

  @Test
  @DisplayName("the token expires by the session's clock: UNAUTHORIZED, close 4401")
  void expiry() {
    hub(Map.of());
    services.tokenLifetimeSeconds = 0; // expires at the second it was verified (no leeway)
    services.millis.addAndGet(999);
    Session s = open("token:hal", null);
    assertFrame(transport.next(), "connected");
    assertFrame(transport.next(), "unread_count");
    ServerFrame expired = transport.next();
    assertThat(errorCode(expired)).isEqualTo("UNAUTHORIZED");
    assertThat(((JsonObject) expired.data()).getString("message")).isEqualTo("token expired");
    assertThat(transport.closedWith()).isEqualTo(CloseCodes.UNAUTHORIZED);
    assertThat(on(s::state)).isEqualTo(Session.State.CLOSED);
  }

  @Test
  @DisplayName("presence refuses: TOO_MANY_CONNECTIONS, close 4429, never registered")
  void presenceRefuses() {
    hub(Map.of());
    services.refused.add("ida");
    Session s = open("token:ida", null);
    assertThat(errorCode(transport.next())).isEqualTo("TOO_MANY_CONNECTIONS");
    assertThat(transport.closedWith()).isEqualTo(CloseCodes.TOO_MANY_CONNECTIONS);
    assertThat(hub.registry().size()).isZero();
    assertThat(services.released).isEmpty();
    assertThat(on(s::state)).isEqualTo(Session.State.CLOSED);
  }

  @Test
  @DisplayName("close is the one cleanup: rooms left, unregistered, presence told, and a second close does nothing")
  void closeCleansUp() {
    hub(Map.of());
    Session s = open("token:jo", null);
    assertFrame(transport.next(), "connected");
    assertFrame(transport.next(), "unread_count");
    on(() -> {
      s.onText("{\"event\":\"join-room\",\"data\":{\"room\":\"private:jo:kim\"},\"id\":1}");
      return null;
    });
    assertFrame(transport.next(), "joined-room");
    on(() -> {
      s.close(CloseCodes.SERVICE_RESTART, "bye");
      s.close(CloseCodes.SERVICE_RESTART, "bye");
      return null;
    });
    assertThat(transport.closedWith()).isEqualTo(CloseCodes.SERVICE_RESTART);
    assertThat(hub.registry().size()).isZero();
    assertThat(rooms.members("private:jo:kim")).isEmpty();
    assertThat(rooms.members("user:jo")).isEmpty();
    assertThat(services.released).containsExactly("jo");
  }
}

package io.herald.presence;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.herald.cluster.Addresses;
import io.herald.config.HeraldConfig;
import io.herald.protocol.ServerFrame;
import io.herald.room.LocalMembers;
import io.herald.room.LocalRooms;
import io.herald.room.RoomMember;
import io.herald.room.RoomPolicy;
import io.herald.routing.RoutingClient;
import io.herald.metrics.HeraldMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns presence (docs/presence.md): admits connections against the cluster-wide per-user limit,
 * turns connections into online/offline transitions (offline only after the grace period), tells
 * subscribers ({@code user_status} to the internal room {@code presence:{userId}}) and room members
 * ({@code user_presence}), and heals when a member leaves or crashes (Hazelcast membership events).
 * One instance per node; its consumers are node-local.
 */
public final class PresenceVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(PresenceVerticle.class);
  /** Failure code of {@link Addresses#PRESENCE_CONNECT} when the user has too many connections. */
  public static final int TOO_MANY_CONNECTIONS = 429;
  private static final String VERTX_NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  private final HeraldConfig config;
  private final String nodeId;
  private final HazelcastInstance hazelcast;
  private final LocalRooms rooms;
  private final LocalMembers sessions;
  private final RoutingClient routing;
  private PresenceManager manager;
  private UUID membershipListener;
  /** Entries found without a live session at the last reconciliation (removed if still so at the next). */
  private Set<String> suspects = Set.of();
  /** Disconnects are retried this many times (then the reconciliation removes the entry). */
  static final int DISCONNECT_ATTEMPTS = 5;

  public PresenceVerticle(HeraldConfig config, String nodeId, HazelcastInstance hazelcast, LocalRooms rooms,
      LocalMembers sessions, RoutingClient routing) {
    this.config = config;
    this.nodeId = nodeId;
    this.hazelcast = hazelcast;
    this.rooms = rooms;
    this.sessions = sessions;
    this.routing = routing;
  }

  @Override
  public Future<?> start() {
    manager = new PresenceManager(hazelcast);
    // Rooms with a configured prefix tell their members who joins and leaves: the room index
    // counts members per user there and says when a user's first session joins or last one leaves.
    rooms.trackUsers(room -> announcesMembers(config, room), new LocalRooms.UserListener() {
      @Override
      public void firstJoined(String room, String userId) {
        context.runOnContext(v -> roomJoined(room, userId));
      }

      @Override
      public void lastLeft(String room, String userId) {
        context.runOnContext(v -> roomLeft(room, userId));
      }
    });
    EventBus eb = vertx.eventBus();
    List<MessageConsumer<JsonObject>> consumers = List.of(
        eb.localConsumer(Addresses.PRESENCE_CONNECT, this::connect),
        eb.localConsumer(Addresses.PRESENCE_DISCONNECT, this::disconnect),
        eb.localConsumer(Addresses.PRESENCE_STATUS, this::status),
        eb.localConsumer(Addresses.PRESENCE_ONLINE, m -> blocking("online", manager::onlineUsers)
            .onSuccess(users -> m.reply(new JsonObject().put("users", new JsonArray(users))))
            .onFailure(err -> m.fail(503, err.toString()))),
        eb.localConsumer(Addresses.PRESENCE_ONLINE_COUNT, m -> blocking("online_count", manager::onlineCount)
            .onSuccess(count -> m.reply(new JsonObject().put("count", count)))
            .onFailure(err -> m.fail(503, err.toString()))));
    membershipListener = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {}

      @Override
      public void memberRemoved(MembershipEvent event) {
        String departed = event.getMember().getAttribute(VERTX_NODE_ID_ATTRIBUTE);
        if (departed != null) {
          context.runOnContext(v -> purge(departed));
        }
      }
    });
    // An admission that completed after its requester gave up, or a disconnect that failed every
    // attempt, leaves an entry no session will remove: this node checks its own entries.
    vertx.setPeriodic(config.reconcileIntervalMs, id -> reconcile());
    List<Future<Void>> registered = new ArrayList<>();
    consumers.forEach(c -> registered.add(c.completion()));
    return Future.all(registered);
  }

  @Override
  public Future<?> stop() {
    if (membershipListener != null) {
      hazelcast.getCluster().removeMembershipListener(membershipListener);
    }
    return Future.succeededFuture();
  }

  private void connect(Message<JsonObject> m) {
    String user = m.body().getString("userId");
    String session = m.body().getString("sessionId");
    blocking("connect", () -> manager.connect(user, nodeId, session, config.maxConnectionsPerUser))
        .onSuccess(admission -> {
          if (admission == PresenceManager.Admission.REFUSED) {
            m.fail(TOO_MANY_CONNECTIONS, "at most " + config.maxConnectionsPerUser + " connections per user");
            return;
          }
          if (admission == PresenceManager.Admission.CAME_ONLINE) {
            announceStatus(user, "online");
          }
          m.reply(new JsonObject());
        })
        .onFailure(err -> {
          log.warn("presence connect failed for {}: {}", user, err.toString());
          m.fail(503, "presence unavailable");
        });
  }

  private void disconnect(Message<JsonObject> m) {
    disconnect(m.body().getString("userId"), m.body().getString("sessionId"), 1);
  }

  /**
   * Removes a connection; a failure (the user's lock busy past its bound, Hazelcast unavailable) is
   * retried with a doubling delay, since a connection entry left behind counts against the user's
   * limit and shows them online.
   */
  private void disconnect(String user, String session, int attempt) {
    blocking("disconnect", () -> manager.disconnect(user, nodeId, session))
        .onSuccess(remaining -> {
          if (remaining == 0) {
            // A quick reconnect (any node) within the grace period shows no offline/online flap.
            vertx.setTimer(Math.max(1, config.presenceGraceMs), t -> confirmOffline(user, nodeId));
          }
        })
        .onFailure(err -> {
          if (attempt < DISCONNECT_ATTEMPTS) {
            log.warn("presence disconnect failed for {} (attempt {}), retrying: {}", user, attempt, err.toString());
            vertx.setTimer(1000L << (attempt - 1), t -> disconnect(user, session, attempt + 1));
          } else {
            log.warn("presence disconnect failed for {} after {} attempts; the reconciliation will remove it: {}",
                user, attempt, err.toString());
          }
        });
  }

  /**
   * Puts back this node's live connections missing from presence (lost partitions), removes this
   * node's presence entries whose session is gone (seen so at two reconciliations in a row), and
   * takes users left without a connection offline after the grace period.
   */
  private void reconcile() {
    Set<String> live = new HashSet<>();
    Map<String, List<String>> byUser = new HashMap<>();
    for (RoomMember s : sessions.all()) {
      live.add(s.memberId());
      byUser.computeIfAbsent(s.userId(), u -> new ArrayList<>(1)).add(s.memberId());
    }
    Set<String> previous = suspects;
    blocking("reconcile", () -> {
      int repaired = manager.reassert(nodeId, byUser);
      if (repaired > 0) {
        log.warn("put back lost presence entries of {} user(s) connected to this node", repaired);
      }
      return manager.reconcile(nodeId, live::contains, previous);
    })
        .onSuccess(r -> {
          suspects = r.suspects();
          if (!r.noneLeft().isEmpty()) {
            log.warn("removed presence entries without a live session on this node for {} user(s)", r.noneLeft().size());
          }
          r.noneLeft().forEach(user -> vertx.setTimer(Math.max(1, config.presenceGraceMs), t -> confirmOffline(user, nodeId)));
        })
        .onFailure(err -> log.warn("presence reconciliation failed: {}", err.toString()));
  }

  private void confirmOffline(String user, String node) {
    blocking("confirm_offline", () -> manager.confirmOffline(user, node, config.presenceGraceMs))
        .onSuccess(result -> {
          if (result == PresenceManager.WENT_OFFLINE) {
            announceStatus(user, "offline");
          } else if (result > 0) {
            vertx.setTimer(result, t -> confirmOffline(user, node)); // a later close restarted the grace period
          }
        })
        .onFailure(err -> log.warn("presence offline check failed for {}: {}", user, err.toString()));
  }

  private void status(Message<JsonObject> m) {
    List<String> users = new ArrayList<>();
    m.body().getJsonArray("userIds", new JsonArray()).forEach(o -> users.add(String.valueOf(o)));
    blocking("status", () -> manager.status(users))
        .onSuccess(status -> m.reply(new JsonObject().put("status", new JsonObject(new java.util.HashMap<>(status)))))
        .onFailure(err -> m.fail(503, "presence unavailable"));
  }

  /** A user's first session here joined a room that announces its members (on the presence context). */
  private void roomJoined(String room, String user) {
    if (rooms.localCount(room, user) == 0) {
      return; // it left again meanwhile
    }
    ordered("room_joined", () -> manager.roomJoined(room, user, nodeId))
        .onSuccess(first -> {
          if (first) {
            announceRoom(room, user, "joined");
          }
        })
        .onFailure(err -> log.warn("room presence failed for {} in {}: {}", user, room, err.toString()));
  }

  /** A user's last session here left a room that announces its members (on the presence context). */
  private void roomLeft(String room, String user) {
    if (rooms.localCount(room, user) > 0) {
      return; // another connection of the user is still in the room here
    }
    ordered("room_left", () -> manager.roomLeft(room, user, nodeId))
        .onSuccess(last -> {
          if (last) {
            announceRoom(room, user, "left");
          }
        })
        .onFailure(err -> log.warn("room presence failed for {} in {}: {}", user, room, err.toString()));
  }

  /** A member left the cluster: its users go offline (unless connected elsewhere) and leave rooms. */
  private void purge(String departed) {
    blocking("purge", () -> {
      List<String> offline = manager.purgeNode(departed);
      List<String[]> left = manager.purgeNodeRooms(departed, manager.roomsWithNode(departed));
      return Map.entry(offline, left);
    }).onSuccess(result -> {
      // Every survivor schedules the check; the one that takes a user offline announces it.
      result.getKey().forEach(user -> vertx.setTimer(Math.max(1, config.presenceGraceMs), t -> confirmOffline(user, departed)));
      result.getValue().forEach(pair -> announceRoom(pair[0], pair[1], "left"));
      if (!result.getKey().isEmpty()) {
        log.info("member {} left: {} user(s) lost their last connection", departed, result.getKey().size());
      }
    }).onFailure(err -> log.warn("presence purge of {} failed: {}", departed, err.toString()));
  }

  private void announceStatus(String user, String status) {
    JsonObject data = new JsonObject().put("userId", user).put("status", status).put("timestamp", System.currentTimeMillis());
    route(RoomPolicy.statusRoom(user), ServerFrame.event("user_status", data));
  }

  private void announceRoom(String room, String user, String status) {
    JsonObject data = new JsonObject().put("room", room).put("userId", user).put("status", status);
    route(room, ServerFrame.toRoom("user_presence", data, room));
  }

  private void route(String room, ServerFrame frame) {
    routing.toRoom(room, frame);
  }

  /** Is {@code room} one whose members are told who joins and leaves? */
  public static boolean announcesMembers(HeraldConfig config, String room) {
    return config.presenceRoomPrefixes.contains(RoomPolicy.prefix(room));
  }

  private <T> Future<T> blocking(String name, Callable<T> op) {
    return timed(name, vertx.executeBlocking(op, false));
  }

  /** Records the operation in {@code herald_presence_operations_seconds} (time queued included). */
  private <T> Future<T> timed(String name, Future<T> op) {
    long start = System.nanoTime();
    return op.andThen(ar -> HeraldMetrics.of(vertx).presenceOperation(name, ar.succeeded(), System.nanoTime() - start));
  }

  /** Room joins and leaves run one at a time, in arrival order, so a quick join+leave cannot swap. */
  private <T> Future<T> ordered(String name, Callable<T> op) {
    return timed(name, vertx.executeBlocking(op, true));
  }
}

package io.herald.dashboard;

import io.herald.config.HeraldConfig;
import io.herald.presence.PresenceClient;
import io.herald.protocol.ServerFrame;
import io.herald.room.RoomDirectory;
import io.herald.routing.RoutingClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends {@code stats_update} {connections, onlineUsers, messages, timestamp} to the members of
 * {@code dashboard.stats-room} every {@code dashboard.stats-interval-ms} (docs/messaging.md).
 *
 * <p>Every node runs the timer, but only the Herald node with the smallest node id computes and
 * sends (producers that joined as members are not among {@code members}), so the room gets one update per interval however many nodes there are; and only when the
 * room has a member somewhere (one directory read), so an unwatched dashboard costs nothing more.
 * {@code messages} is the direct messages stored in the cluster since the previous update: each
 * node counts its own, and this node keeps the last count it saw of each (a node it has not seen
 * before counts from the first time it is seen).
 */
public final class DashboardVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(DashboardVerticle.class);

  private final HeraldConfig config;
  private final String nodeId;
  private final Supplier<List<String>> members;
  private final RoomDirectory directory;
  private final RoutingClient routing;
  private PresenceClient presence;
  private final Map<String, Long> lastMessages = new HashMap<>();
  private long timer = -1;
  private boolean running;
  /** When this node last started a round (ms): a late timer tick followed by a quick one makes one update, not two. */
  private long lastRound = Long.MIN_VALUE / 2;

  public DashboardVerticle(HeraldConfig config, String nodeId, Supplier<List<String>> members, RoomDirectory directory,
      RoutingClient routing) {
    this.config = config;
    this.nodeId = nodeId;
    this.members = members;
    this.directory = directory;
    this.routing = routing;
  }

  @Override
  public Future<?> start() {
    presence = new PresenceClient(vertx);
    timer = vertx.setPeriodic(config.dashboardStatsIntervalMs, id -> tick());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  private void tick() {
    List<String> nodes = members.get();
    long now = System.currentTimeMillis();
    if (running || nodes.isEmpty() || !nodeId.equals(Collections.min(nodes))
        || now - lastRound < config.dashboardStatsIntervalMs / 2) {
      return; // another node computes, the last round is still out, or a tick came late and this one early
    }
    running = true;
    lastRound = now;
    String room = config.dashboardStatsRoom;
    directory.nodes(room)
        .compose(holders -> holders.isEmpty() ? Future.succeededFuture() : compute(nodes, now)
            .onSuccess(stats -> routing.toRoom(room, ServerFrame.toRoom("stats_update", stats, room))))
        .onFailure(err -> log.debug("stats_update skipped: {}", err.toString()))
        .onComplete(ar -> running = false);
  }

  /** The counts, stamped with {@code startedAt}: when the round began. */
  private Future<JsonObject> compute(List<String> nodes, long startedAt) {
    Future<List<JsonObject>> perNode = routing.nodeStats(nodes);
    Future<Integer> online = presence.onlineCount();
    return Future.all(perNode, online).map(v -> {
      long connections = 0;
      long messages = 0;
      for (JsonObject n : perNode.result()) {
        connections += n.getLong("connections", 0L);
        long sent = n.getLong("messages", 0L);
        Long before = lastMessages.put(n.getString("nodeId"), sent);
        messages += before == null ? 0 : Math.max(0, sent - before);
      }
      lastMessages.keySet().retainAll(nodes);
      return new JsonObject()
          .put("connections", connections)
          .put("onlineUsers", online.result())
          .put("messages", messages)
          .put("timestamp", startedAt);
    });
  }
}

package io.herald;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.herald.api.ApiRoutes;
import io.herald.auth.AuthVerticle;
import io.herald.cluster.ClusterSetup;
import io.herald.config.HeraldConfig;
import io.herald.gateway.GatewayVerticle;
import io.herald.protocol.CloseCodes;
import io.herald.protocol.Frame;
import io.herald.room.HazelcastRoomDirectory;
import io.herald.room.LocalRooms;
import io.herald.room.RoomDirectory;
import io.herald.routing.RoutingVerticle;
import io.herald.session.NodeState;
import io.herald.session.Session;
import io.herald.session.SessionHub;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Herald node: a clustered Vert.x instance and its verticles (auth, routing, and one
 * gateway per event loop). {@link #start} joins the cluster and deploys; {@link #stop} drains the
 * sockets (reconnect event, close 1012) and leaves the cluster.
 */
public final class HeraldNode {
  private static final Logger log = LoggerFactory.getLogger(HeraldNode.class);

  private final HeraldConfig config;
  private final Vertx vertx;
  private final HazelcastClusterManager clusterManager;
  private final NodeState state = new NodeState();
  private final List<GatewayVerticle> gateways = new CopyOnWriteArrayList<>();
  private SessionHub hub;
  private LocalRooms rooms;
  private RoomDirectory directory;
  private volatile Future<Void> stopping;

  private HeraldNode(HeraldConfig config, Vertx vertx, HazelcastClusterManager clusterManager) {
    this.config = config;
    this.vertx = vertx;
    this.clusterManager = clusterManager;
  }

  /** Joins the cluster and deploys every verticle. The config must have a signing key. */
  public static Future<HeraldNode> start(HeraldConfig config) {
    if (!config.hasSigningKey()) {
      return Future.failedFuture(new IllegalStateException("no JWT signing key configured"));
    }
    HazelcastClusterManager cm = new HazelcastClusterManager(ClusterSetup.hazelcastConfig(config));
    int eventLoops = config.eventLoops > 0 ? config.eventLoops : 2 * Runtime.getRuntime().availableProcessors();
    VertxOptions options = new VertxOptions()
        .setEventLoopPoolSize(eventLoops)
        .setEventBusOptions(new EventBusOptions().setHost(config.clusterHost).setPort(0));
    // A context-free promise: when deploying fails, the outcome is known only after this node's
    // Vert.x has closed, and a future bound to one of its (terminated) event loops would never
    // complete, so a failed start (say, an unreachable JWKS URL) would hang instead of failing.
    Promise<HeraldNode> started = Promise.promise();
    Vertx.builder().with(options).withClusterManager(cm).buildClustered().onComplete(built -> {
      if (built.failed()) {
        started.fail(built.cause());
        return;
      }
      Vertx vertx = built.result();
      HeraldNode node = new HeraldNode(config, vertx, cm);
      node.deploy(eventLoops).onComplete(deployed -> {
        if (deployed.succeeded()) {
          started.complete(node);
        } else {
          vertx.close().onComplete(closed -> started.fail(deployed.cause()));
        }
      });
    });
    return started.future();
  }

  private Future<Void> deploy(int eventLoops) {
    String nodeId = clusterManager.getNodeId();
    HazelcastInstance hazelcast = clusterManager.getHazelcastInstance();
    directory = new HazelcastRoomDirectory(vertx, hazelcast);
    rooms = new LocalRooms(vertx, nodeId, directory);
    hub = new SessionHub(vertx, config, rooms, state);
    hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {}

      @Override
      public void memberRemoved(MembershipEvent event) {
        purgeDeparted(hazelcast, event);
      }
    });
    ApiRoutes api = new ApiRoutes(vertx, config, directory, clusterManager::getNodes);
    return vertx.deployVerticle(new AuthVerticle(config))
        .compose(id -> vertx.deployVerticle(new RoutingVerticle(nodeId, directory, rooms, hub.registry())))
        .compose(id -> vertx.deployVerticle(() -> {
          GatewayVerticle g = new GatewayVerticle(config, hub, api);
          gateways.add(g);
          return g;
        }, new DeploymentOptions().setInstances(eventLoops)))
        .onSuccess(id -> {
          state.markStarted();
          log.info("Herald node {} ready: http://{}:{} (WebSocket {}), {} cluster member(s)",
              nodeId, config.httpHost, httpPort(), config.wsPath, clusterManager.getNodes().size());
        })
        .mapEmpty();
  }

  /** The oldest surviving member removes the departed member's entries from the room directory. */
  private void purgeDeparted(HazelcastInstance hazelcast, MembershipEvent event) {
    Set<String> live = new HashSet<>();
    event.getMembers().forEach(m -> live.add(m.getUuid().toString()));
    boolean oldest = !event.getMembers().isEmpty()
        && event.getMembers().iterator().next().getUuid().equals(hazelcast.getCluster().getLocalMember().getUuid());
    if (oldest) {
      directory.retainNodes(live)
          .onSuccess(v -> log.info("member {} left; its rooms were removed from the directory", event.getMember().getUuid()))
          .onFailure(err -> log.warn("could not purge rooms of departed member {}: {}", event.getMember().getUuid(), err.toString()));
    }
  }

  /**
   * Graceful stop: refuse new connections, send every client {@code reconnect} and close it with
   * 1012, wait (bounded by {@code node.shutdown-grace-ms}) for the room directory to settle, then
   * undeploy and leave the cluster. Idempotent.
   */
  public synchronized Future<Void> stop() {
    if (stopping != null) {
      return stopping;
    }
    state.markDraining();
    JsonObject reconnect = new JsonObject().put("reason", "server shutting down");
    String frame = Frame.encode("reconnect", reconnect, null, null);
    for (Session s : hub.registry().all()) {
      s.runOnContext(() -> {
        s.deliver(frame);
        s.close(CloseCodes.SERVICE_RESTART, "server shutting down");
      });
    }
    Promise<Void> drained = Promise.promise();
    long deadline = System.currentTimeMillis() + config.shutdownGraceMs;
    vertx.setPeriodic(20, id -> {
      if (hub.registry().size() == 0 || System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(id);
        drained.tryComplete();
      }
    });
    stopping = drained.future()
        .compose(v -> rooms.settled().otherwiseEmpty())
        .eventually(() -> vertx.close())
        .onComplete(ar -> log.info("Herald node left the cluster"));
    return stopping;
  }

  /** The HTTP port the gateways listen on. */
  public int httpPort() {
    return gateways.isEmpty() ? config.httpPort : gateways.get(0).actualPort();
  }

  public String nodeId() {
    return clusterManager.getNodeId();
  }

  public Vertx vertx() {
    return vertx;
  }

  public HeraldConfig config() {
    return config;
  }

  public boolean ready() {
    return state.ready();
  }
}

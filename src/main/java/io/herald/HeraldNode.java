package io.herald;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.herald.api.ApiRoutes;
import io.herald.api.PushRoutes;
import io.herald.auth.AuthVerticle;
import io.herald.config.HeraldConfig;
import io.herald.metrics.HeraldMetrics;
import io.herald.metrics.ManagementVerticle;
import io.herald.gateway.GatewayVerticle;
import io.herald.gateway.transport.socketio.EngineIoServer;
import io.herald.protocol.CloseCodes;
import io.herald.presence.PresenceVerticle;
import io.herald.protocol.ServerFrame;
import io.herald.push.PushStore;
import io.herald.push.PushVerticle;
import io.herald.push.channels.PushChannels;
import io.herald.room.HazelcastRoomDirectory;
import io.herald.room.LocalRooms;
import io.herald.room.RoomDirectory;
import io.herald.routing.NodeMessage;
import io.herald.routing.NodeMessageCodec;
import io.herald.dashboard.DashboardVerticle;
import io.herald.presence.UserRateLimits;
import io.herald.routing.DirectMessages;
import io.herald.routing.Publisher;
import io.herald.routing.RoutingClient;
import io.herald.routing.RoutingVerticle;
import io.herald.session.NodeState;
import io.herald.session.Session;
import io.herald.session.SessionHub;
import io.herald.session.SessionServices;
import io.herald.store.Database;
import io.herald.store.StoreVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;
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
  /** The member attribute where vertx-hazelcast keeps the Vert.x node id (not the member UUID). */
  private static final String VERTX_NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  private final HeraldConfig config;
  private final Vertx vertx;
  private final HazelcastClusterManager clusterManager;
  private final NodeState state = new NodeState();
  private final List<GatewayVerticle> gateways = new CopyOnWriteArrayList<>();
  private SessionHub hub;
  private LocalRooms rooms;
  private RoomDirectory directory;
  private Database database;
  private ManagementVerticle management;
  private volatile Future<Void> stopping;
  private volatile Future<Integer> draining;

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
    // Before Hazelcast's first class loads, so even its start-up warnings go through SLF4J.
    System.setProperty("hazelcast.logging.type", "slf4j");
    HazelcastClusterManager cm = new HazelcastClusterManager(ClusterSetup.hazelcastConfig(config));
    int eventLoops = config.eventLoops > 0 ? config.eventLoops : 2 * Runtime.getRuntime().availableProcessors();
    VertxOptions options = new VertxOptions()
        // epoll on Linux: only it can set TCP_USER_TIMEOUT on accepted sockets (GatewayVerticle)
        .setPreferNativeTransport(true)
        .setEventLoopPoolSize(eventLoops)
        .setEventBusOptions(new EventBusOptions().setHost(config.clusterHost).setPort(config.clusterEventBusPort));
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
      if (!vertx.isNativeTransportEnabled() && config.tcpUserTimeoutMs > 0) {
        log.warn("native transport unavailable ({}): http.tcp-user-timeout-ms is not applied, and a client that "
            + "vanishes without closing may hold its connection until the kernel gives up on it",
            vertx.unavailableNativeTransportCause() == null ? "not Linux x86-64" : vertx.unavailableNativeTransportCause().toString());
      }
      HeraldNode node = new HeraldNode(config, vertx, cm);
      node.deploy(eventLoops).onComplete(deployed -> {
        if (deployed.succeeded()) {
          started.complete(node);
        } else {
          (node.database == null ? Future.<Void>succeededFuture() : node.database.close())
              .eventually(() -> vertx.close())
              .onComplete(closed -> {
                HeraldMetrics.uninstall(vertx);
                started.fail(deployed.cause());
              });
        }
      });
    });
    return started.future();
  }

  private Future<Void> deploy(int eventLoops) {
    String nodeId = clusterManager.getNodeId();
    io.herald.logging.Logs.nodeStarted(nodeId);
    HeraldMetrics metrics = config.metricsEnabled ? HeraldMetrics.install(vertx, nodeId) : HeraldMetrics.of(vertx);
    vertx.eventBus().registerDefaultCodec(NodeMessage.class, new NodeMessageCodec());
    HazelcastInstance hazelcast = clusterManager.getHazelcastInstance();
    directory = new HazelcastRoomDirectory(vertx, hazelcast);
    rooms = new LocalRooms(vertx, nodeId, directory);
    RoutingClient routing = new RoutingClient(vertx, directory);
    hub = new SessionHub(vertx, config, rooms, routing, state, SessionServices.of(vertx,
        new UserRateLimits(vertx, clusterManager.getHazelcastInstance(), config.rateLimitPerMinute)));
    state.requireForReadiness(() -> !hub.full());
    hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {}

      @Override
      public void memberRemoved(MembershipEvent event) {
        onMemberRemoved(event);
      }
    });
    vertx.setPeriodic(config.reconcileIntervalMs, id -> reassertRooms());
    registerGauges(metrics, hazelcast);
    Publisher publisher = new Publisher(vertx, directory);
    ApiRoutes api = new ApiRoutes(vertx, config, directory, routing, publisher, clusterManager::getNodes,
        this::heraldNodeIds);
    EngineIoServer socketIo = new EngineIoServer(vertx, config, hub);
    PushRoutes push = new PushRoutes(vertx, config);
    // A member that just joined may not have the partition table yet; ready means it can route.
    return directory.nodes("__herald.warm-up")
        .compose(v -> Database.start(vertx, config))
        .compose(db -> {
          database = db;
          StoreVerticle store = new StoreVerticle(config, db);
          state.requireForReadiness(store::available);
          return vertx.deployVerticle(store);
        })
        .compose(v -> vertx.deployVerticle(new PushVerticle(config,
            new PushStore(database.client(), database.pool(), config.pgTimeoutMs), new PushChannels(config))))
        .compose(v -> vertx.deployVerticle(new AuthVerticle(config)))
        .compose(v -> vertx.deployVerticle(new PresenceVerticle(config, nodeId, hazelcast, rooms, hub.registry(), routing)))
        .compose(id -> vertx.deployVerticle(new RoutingVerticle(config, nodeId, rooms, hub.registry(), publisher,
            new DirectMessages(vertx, directory, config.messagingDedupWindowMs))))
        .compose(id -> vertx.deployVerticle(new DashboardVerticle(config, nodeId, this::heraldNodeIds, directory, routing)))
        .compose(id -> config.metricsPort != 0
            ? vertx.deployVerticle(management = new ManagementVerticle(config, state::ready, this::drain)) : Future.succeededFuture(id))
        .compose(id -> vertx.deployVerticle(() -> {
          GatewayVerticle g = new GatewayVerticle(config, hub, api, socketIo, push);
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

  /** The node-wide gauges, read when /metrics is scraped. */
  private void registerGauges(HeraldMetrics metrics, HazelcastInstance hazelcast) {
    metrics.gauge("herald.sockets", "Connections held, authenticating ones included (limit: limits.max-connections-per-node)",
        hub::connectionCount);
    metrics.gauge("herald.rooms", "Rooms with a member on this node, personal rooms included", rooms::roomCount);
    metrics.gauge("herald.room.memberships", "Room memberships of this node's connections", rooms::membershipCount);
    metrics.gauge("herald.users.online", "Users with at least one open connection on this node", () -> {
      java.util.Set<String> users = new java.util.HashSet<>();
      for (Session s : hub.registry().all()) {
        if (s.principal() != null) {
          users.add(s.principal().userId());
        }
      }
      return users.size();
    });
    metrics.gauge("herald.presence.users", "Users online in the whole cluster (entries of herald.presence.users)",
        () -> hazelcast.getMap(io.herald.cluster.UserConnections.MAP).size());
    metrics.bytesGauge("herald.outbound.queued", "Bytes written to this node's connections that the network has not taken yet",
        () -> {
          long queued = 0;
          for (Session s : hub.registry().all()) {
            queued += s.transport().queuedBytes();
          }
          return queued;
        });
    metrics.gauge("herald.cluster.members", "Hazelcast cluster members (Herald nodes and producers)",
        () -> hazelcast.getCluster().getMembers().size());
    metrics.gauge("herald.cluster.nodes", "Herald nodes in the cluster", () -> heraldNodeIds().size());
    metrics.gauge("herald.node.ready", "1 while /health/ready answers 200", () -> state.ready() ? 1 : 0);
    metrics.gauge("herald.node.draining", "1 once the node is shutting down", () -> state.draining() ? 1 : 0);
  }

  /**
   * Every surviving Herald node removes the departed member's entries from the room directory
   * (idempotent, so it does not matter which one finishes first), then re-asserts its own.
   */
  private void onMemberRemoved(MembershipEvent event) {
    String departed = event.getMember().getAttribute(VERTX_NODE_ID_ATTRIBUTE);
    if (departed == null || state.draining()) {
      return; // not a Vert.x member, or we are leaving ourselves
    }
    directory.purgeNode(departed)
        .onSuccess(v -> log.info("member {} left; its rooms were removed from the directory", departed))
        .onFailure(err -> log.warn("could not purge rooms of departed member {}: {}", departed, err.toString()))
        .onComplete(ar -> reassertRooms());
  }

  private void reassertRooms() {
    if (!state.draining()) {
      rooms.reassert().onFailure(err -> log.warn("could not re-assert this node's rooms: {}", err.toString()));
    }
  }

  /**
   * Starts the drain (idempotent): the node reports not ready and refuses new connections, then
   * sends its clients {@code reconnect} and closes them with 1012, spread evenly in random order
   * over {@code node.drain-spread-ms} so they reconnect to the other pods in a trickle, not a
   * storm. Completes with the connections left when they are all gone or when
   * {@code node.shutdown-grace-ms} has passed after the spread. The node stays in the cluster.
   */
  public synchronized Future<Integer> drain() {
    if (draining != null) {
      return draining;
    }
    state.markDraining();
    List<Session> sessions = new java.util.ArrayList<>(hub.registry().all());
    java.util.Collections.shuffle(sessions);
    long spread = config.drainSpreadMs;
    log.info("draining: {} connection(s) get 'reconnect' over {} ms", sessions.size(), spread);
    ServerFrame frame = ServerFrame.event("reconnect", new JsonObject().put("reason", "server shutting down"));
    Promise<Integer> drained = Promise.promise();
    long start = System.currentTimeMillis();
    long deadline = start + spread + config.shutdownGraceMs;
    int[] sent = {0};
    java.util.Set<Session> told = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    Runnable tick = () -> {
      long elapsed = System.currentTimeMillis() - start;
      int due = spread == 0 || elapsed >= spread ? sessions.size() : (int) (sessions.size() * elapsed / spread);
      for (; sent[0] < due; sent[0]++) {
        Session s = sessions.get(sent[0]);
        told.add(s);
        s.runOnContext(() -> s.closeWith(frame, CloseCodes.SERVICE_RESTART, "server shutting down"));
      }
      if (sent[0] == sessions.size()) {
        // a connection that was authenticating when the drain began opens afterwards: tell it too
        for (Session s : hub.registry().all()) {
          if (told.add(s)) {
            s.runOnContext(() -> s.closeWith(frame, CloseCodes.SERVICE_RESTART, "server shutting down"));
          }
        }
      }
    };
    tick.run();
    vertx.setPeriodic(DRAIN_TICK_MS, id -> {
      tick.run();
      int left = hub.registry().size();
      if ((sent[0] == sessions.size() && left == 0) || System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(id);
        if (left > 0) {
          log.warn("drain: {} connection(s) still open after {} ms", left, System.currentTimeMillis() - start);
        }
        drained.tryComplete(left);
      }
    });
    draining = drained.future();
    return draining;
  }

  /** How often the drain sends the next share of reconnects and checks what is left. */
  private static final long DRAIN_TICK_MS = 20;

  /**
   * Graceful stop: {@link #drain}, wait for the room directory to settle, then undeploy and leave
   * the cluster. Idempotent; bounded by {@link #stopBoundMs}.
   */
  public synchronized Future<Void> stop() {
    if (stopping != null) {
      return stopping;
    }
    stopping = drain()
        .compose(left -> rooms.settled().otherwiseEmpty())
        .eventually(this::undeployAll)
        .eventually(() -> database == null ? Future.succeededFuture() : database.close())
        .eventually(() -> vertx.close())
        .andThen(ar -> HeraldMetrics.uninstall(vertx))
        .andThen(ar -> log.info("Herald node left the cluster"));
    return stopping;
  }

  /** The longest a stop may take: the drain's spread and grace, then 5 s to settle and leave the cluster. */
  public static long stopBoundMs(HeraldConfig config) {
    return config.drainSpreadMs + config.shutdownGraceMs + 5000L;
  }

  private Future<Void> undeployAll() {
    List<Future<Void>> undeploys = new java.util.ArrayList<>();
    for (String id : vertx.deploymentIDs()) {
      undeploys.add(vertx.undeploy(id));
    }
    return Future.join(undeploys).mapEmpty();
  }

  /** The HTTP port the gateways listen on. */
  public int httpPort() {
    return gateways.isEmpty() ? config.httpPort : gateways.get(0).actualPort();
  }

  /** The management server's port (metrics.port), or -1 when /metrics is on the HTTP port or off. */
  public int managementPort() {
    return management == null ? -1 : management.actualPort();
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

  /**
   * The Vert.x node ids of the cluster's Herald nodes: the members that carry {@link
   * ClusterSetup#HERALD_MEMBER_ATTRIBUTE}, so not the producers that joined as members.
   */
  public List<String> heraldNodeIds() {
    List<String> ids = new java.util.ArrayList<>();
    for (com.hazelcast.cluster.Member m : clusterManager.getHazelcastInstance().getCluster().getMembers()) {
      String id = m.getAttribute(VERTX_NODE_ID_ATTRIBUTE);
      if (id != null && m.getAttribute(ClusterSetup.HERALD_MEMBER_ATTRIBUTE) != null) {
        ids.add(id);
      }
    }
    return ids;
  }
}

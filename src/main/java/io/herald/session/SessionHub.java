package io.herald.session;

import io.herald.config.HeraldConfig;
import io.herald.presence.PresenceClient;
import io.herald.room.LocalRooms;
import io.herald.routing.RoutingClient;
import io.herald.room.RoomPolicy;
import io.herald.store.StoreClient;
import io.vertx.core.Vertx;

/**
 * The node-wide parts every session shares: configuration, this node's room index, the registry of
 * open sessions, the room policy and the event handlers. One per node, used from every event loop.
 */
public final class SessionHub {
  final Vertx vertx;
  final HeraldConfig config;
  final LocalRooms rooms;
  final SessionRegistry registry;
  final RoomPolicy policy;
  final EventHandlers handlers;
  final NodeState state;
  final io.herald.metrics.HeraldMetrics metrics;
  final StoreClient store;
  /** Every connection this node accepted and has not closed, authenticated or not. */
  final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();

  final RoutingClient routing;
  /** Auth, presence admission, the catch-up's store reads, the clock and ids. */
  final SessionServices services;
  final PresenceClient presence;
  /** Room history (history prefixes): publish, get-room-history, join-room since. */
  final io.herald.store.RoomHistoryClient roomHistory;
  /** Direct messages, typing and client room events. */
  final MessagingEvents messaging;
  /** Every Socket.IO alias name (socketio.event-aliases): reserved like the server's own events. */
  final java.util.Set<String> aliasNames;
  /** Token-expiry deadlines, one set per event loop (by the sessions' base context). */
  private final java.util.concurrent.ConcurrentHashMap<io.vertx.core.Context, ExpiryTimers> expiry =
      new java.util.concurrent.ConcurrentHashMap<>();

  public SessionHub(Vertx vertx, HeraldConfig config, LocalRooms rooms, RoutingClient routing, NodeState state,
      SessionServices services) {
    this.services = services;
    this.vertx = vertx;
    this.metrics = io.herald.metrics.HeraldMetrics.of(vertx);
    this.routing = routing;
    this.presence = new PresenceClient(vertx);
    this.config = config;
    this.rooms = rooms;
    this.state = state;
    this.registry = new SessionRegistry();
    this.policy = new RoomPolicy(config.openPrefixes);
    this.store = new StoreClient(vertx);
    this.roomHistory = new io.herald.store.RoomHistoryClient(vertx);
    this.handlers = new EventHandlers(this);
    this.messaging = new MessagingEvents(this);
    messaging.registerOn(handlers);
    java.util.Set<String> aliases = new java.util.HashSet<>();
    config.socketIoEventAliases.values().forEach(m -> aliases.addAll(m.values()));
    this.aliasNames = java.util.Set.copyOf(aliases);
  }

  /** Opens a session on the current context for a connection that a transport accepted. */
  public Session open(Transport transport) {
    connections.incrementAndGet();
    return new Session(this, transport, vertx.getOrCreateContext());
  }

  /** The expiry timers of the sessions on {@code eventLoop} (a base context); use them on it only. */
  ExpiryTimers expiryTimers(io.vertx.core.Context eventLoop) {
    return expiry.computeIfAbsent(eventLoop, loop -> new ExpiryTimers(loop, services::millis));
  }

  /**
   * Counts a connection that has no session yet toward the node limit (an Engine.IO connection
   * before its namespace CONNECT); {@link #releaseConnection} undoes it.
   */
  public void reserveConnection() {
    connections.incrementAndGet();
  }

  public void releaseConnection() {
    connections.decrementAndGet();
  }

  /** Connections this node holds, authenticating ones included. */
  public int connectionCount() {
    return connections.get();
  }

  /** True when this node holds its maximum of connections: new ones are refused (1013). */
  public boolean full() {
    return connections.get() >= config.maxConnectionsPerNode;
  }

  public SessionRegistry registry() {
    return registry;
  }

  public LocalRooms rooms() {
    return rooms;
  }

  public NodeState state() {
    return state;
  }
}

package io.herald.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyEventExecutorMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Herald's meters (docs/operations.md#metrics), one set per node, exported in the Prometheus
 * text format by {@link #scrape}. Components find their node's set with {@link #of(Vertx)}; one
 * that runs outside a node (a unit test building a component alone) gets a set that records
 * nothing.
 *
 * <p>Names follow Prometheus conventions once Micrometer renders them: a {@code herald_} prefix,
 * base units ({@code _seconds}, {@code _bytes}), {@code _total} on counters. Every meter carries the
 * node's id as the {@code node} tag. Tags are from small fixed sets (transport, reason, route
 * pattern, event name of a known event): never a user, room or session id.
 */
public final class HeraldMetrics {
  /** Latency buckets of every Herald timer: 1 ms to 10 s, wide enough for a store call and a fan-out. */
  private static final Duration[] BUCKETS = {
      Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
      Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
      Duration.ofSeconds(10)};
  /** The transport kinds ({@link io.herald.session.Transport#kind()}). */
  private static final java.util.List<String> TRANSPORTS =
      java.util.List.of("websocket", "socket.io", "sse", "sockjs", "eventbus-bridge");
  private static final Map<Vertx, HeraldMetrics> BY_NODE = new ConcurrentHashMap<>();
  /** Records nothing: a composite registry without registries makes no-op meters. */
  private static final HeraldMetrics NONE = new HeraldMetrics(new CompositeMeterRegistry(), null);

  private final MeterRegistry registry;
  private final PrometheusMeterRegistry prometheus;
  private final Map<String, TransportMeters> transports = new ConcurrentHashMap<>();
  private final Timer fanOut;
  private final Counter notificationsStored;
  private final Counter replayItems;
  private JvmGcMetrics gc;
  private JvmHeapPressureMetrics heapPressure;

  private HeraldMetrics(MeterRegistry registry, PrometheusMeterRegistry prometheus) {
    this.registry = registry;
    this.prometheus = prometheus;
    this.fanOut = timer("herald.fanout.duration", "Time to write one node message to this node's sockets on one event loop");
    this.notificationsStored = Counter.builder("herald.notifications.stored")
        .description("Notifications committed to PostgreSQL").register(registry);
    this.replayItems = Counter.builder("herald.replay.items")
        .description("Stored notifications sent by reconnect catch-ups").register(registry);
  }

  /** The meters of the node running on {@code vertx}, or a set that records nothing. */
  public static HeraldMetrics of(Vertx vertx) {
    HeraldMetrics m = vertx == null ? null : BY_NODE.get(vertx);
    return m == null ? NONE : m;
  }

  /** Makes the node's registry, with the JVM, process and Netty meters, and makes it {@link #of} {@code vertx}'s. */
  public static HeraldMetrics install(Vertx vertx, String nodeId) {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    prometheus.config().commonTags("node", nodeId);
    HeraldMetrics m = new HeraldMetrics(prometheus, prometheus);
    m.bindRuntime(vertx);
    // Every transport's series exist from the start, at 0, so dashboards and rate() see them.
    TRANSPORTS.forEach(m::transport);
    BY_NODE.put(vertx, m);
    return m;
  }

  /** Forgets the node's meters (it stopped). */
  public static void uninstall(Vertx vertx) {
    HeraldMetrics m = BY_NODE.remove(vertx);
    if (m != null) {
      if (m.gc != null) {
        m.gc.close();
      }
      if (m.heapPressure != null) {
        m.heapPressure.close();
      }
      m.registry.close();
    }
  }

  private void bindRuntime(Vertx vertx) {
    new JvmMemoryMetrics().bindTo(registry);
    gc = new JvmGcMetrics();
    gc.bindTo(registry);
    heapPressure = new JvmHeapPressureMetrics();
    heapPressure.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    if (io.vertx.core.impl.buffer.VertxByteBufAllocator.POOLED_ALLOCATOR instanceof ByteBufAllocatorMetricProvider p) {
      new NettyAllocatorMetrics(p).bindTo(registry);
    }
    Gauge.builder("herald.netty.direct.memory.used", io.netty.util.internal.PlatformDependent::usedDirectMemory)
        .baseUnit("bytes").description("Direct memory Netty has reserved").register(registry);
    if (vertx instanceof VertxInternal internal) {
      // Tasks waiting in each event loop's queue (executor.tasks.pending{name=vert.x-eventloop-thread-N}).
      new NettyEventExecutorMetrics(internal.nettyEventLoopGroup()).bindTo(registry);
    }
  }

  /** True when meters are exported (the node has a registry). */
  public boolean exported() {
    return prometheus != null;
  }

  /** Every meter in the Prometheus text format (0.0.4). */
  public String scrape() {
    return prometheus == null ? "" : prometheus.scrape();
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** A gauge read when scraped; {@code tags} are name, value pairs. */
  public void gauge(String name, String description, Supplier<Number> value, String... tags) {
    Gauge.builder(name, value).description(description).tags(tags).register(registry);
  }

  /** As {@link #gauge}, in bytes. */
  public void bytesGauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).baseUnit("bytes").register(registry);
  }

  private static void record(Timer timer, long nanos) {
    timer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** A histogram timer with {@link #BUCKETS}: made at the first call for its name and tags, found after. */
  private Timer timer(String name, String description, String... tags) {
    return Timer.builder(name).description(description).tags(tags).serviceLevelObjectives(BUCKETS)
        .register(registry);
  }

  // ---- connections ------------------------------------------------------------------------------

  /** The meters of one transport kind ({@link io.herald.session.Transport#kind()}). */
  public TransportMeters transport(String kind) {
    return transports.computeIfAbsent(kind, k -> new TransportMeters(this, k));
  }

  /** A refused token or authentication; {@code surface} is "socket" or "rest". */
  public void authFailure(String surface, String message) {
    Counter.builder("herald.auth.failures").description("Refused authentications, by where and why")
        .tags("surface", surface, "reason", AuthReasons.of(message)).register(registry).increment();
  }

  /** A client request handled: {@code event} must be a registered event name or "unknown". */
  public void clientEvent(String event, String result) {
    Counter.builder("herald.client.events").description("Client requests, by event and result (ok or an error code)")
        .tags("event", event, "result", result).register(registry).increment();
  }

  /** Records one event loop's share of a fan-out. */
  public void fanOut(long nanos) {
    record(fanOut, nanos);
  }

  // ---- producers, store, replay ----------------------------------------------------------------

  /** One producer request: {@code api} "rest" or "eventbus", {@code route} its pattern or address. */
  public void producerRequest(String api, String route, String status, long nanos) {
    record(timer("herald." + api + ".requests", "Requests to the " + api + " API, by route and status",
        "api", api, "route", route, "status", status), nanos);
  }

  /** One store operation (its event-bus action) and its outcome: "ok", "refused", "unavailable" or "error". */
  public void storeOperation(String op, String outcome, long nanos) {
    record(timer("herald.store.operations", "Notification store operations, by operation and outcome",
        "op", op, "outcome", outcome), nanos);
  }

  public void notificationsStored(int n) {
    notificationsStored.increment(n);
  }

  /**
   * A reconnect catch-up ended: {@code result} "ok", "none" (nothing unread, nothing read) or
   * "failed"; or, with a null result, {@code items} stored notifications it sent.
   */
  public void replay(String result, int items) {
    if (result != null) {
      Counter.builder("herald.replays").description("Reconnect catch-ups, by result").tags("result", result)
          .register(registry).increment();
    }
    if (items > 0) {
      replayItems.increment(items);
    }
  }

  // ---- cluster state ----------------------------------------------------------------------------

  /** A presence operation on the cluster map ({@code op}: admit, release, reassert, purge, ...). */
  public void presenceOperation(String op, boolean ok, long nanos) {
    record(timer("herald.presence.operations", "Presence operations on the cluster, by operation and outcome",
        "op", op, "outcome", ok ? "ok" : "error"), nanos);
  }

  /** A room-index operation ({@code op}: add, remove, lookup, purge, reassert). */
  public void roomIndexOperation(String op, boolean ok, long nanos) {
    record(timer("herald.room.index.operations", "Cluster room-index operations, by operation and outcome",
        "op", op, "outcome", ok ? "ok" : "error"), nanos);
  }

  /** A push attempt: {@code provider} fcm or webpush, {@code outcome} a {@link io.herald.push.PushOutcome} name. */
  public void pushAttempt(String provider, String outcome) {
    Counter.builder("herald.push.attempts").description("Push deliveries tried, by provider and outcome")
        .tags("provider", provider, "outcome", outcome).register(registry).increment();
  }

  /** The meters of one transport: connections, connects and disconnects, deliveries and drops. */
  public static final class TransportMeters {
    private final HeraldMetrics metrics;
    private final String kind;
    private final AtomicInteger open = new AtomicInteger();
    private final Counter connects;
    private final Counter deliveries;
    private final Counter slowConsumers;
    private final Counter closedDrops;
    private final Map<String, Counter> disconnects = new ConcurrentHashMap<>();

    private TransportMeters(HeraldMetrics metrics, String kind) {
      this.metrics = metrics;
      this.kind = kind;
      MeterRegistry r = metrics.registry;
      Gauge.builder("herald.connections", open, AtomicInteger::get).description("Open authenticated connections")
          .tag("transport", kind).register(r);
      connects = Counter.builder("herald.connects").description("Connections that authenticated and opened")
          .tag("transport", kind).register(r);
      deliveries = Counter.builder("herald.deliveries").description("Frames written to client connections")
          .tag("transport", kind).register(r);
      slowConsumers = drops(r, kind, "slow_consumer");
      closedDrops = drops(r, kind, "closed");
    }

    private static Counter drops(MeterRegistry r, String kind, String reason) {
      return Counter.builder("herald.drops").description("Frames not delivered, by transport and reason")
          .tags("transport", kind, "reason", reason).register(r);
    }

    public void opened() {
      open.incrementAndGet();
      connects.increment();
    }

    /** An opened connection closed; {@code reason} from {@link DisconnectReasons}. */
    public void closed(String reason) {
      open.decrementAndGet();
      disconnects.computeIfAbsent(reason, r -> Counter.builder("herald.disconnects")
          .description("Closed connections, by transport and reason").tags("transport", kind, "reason", r)
          .register(metrics.registry)).increment();
    }

    public void delivered() {
      deliveries.increment();
    }

    public void slowConsumer() {
      slowConsumers.increment();
    }

    public void droppedClosed() {
      closedDrops.increment();
    }
  }
}

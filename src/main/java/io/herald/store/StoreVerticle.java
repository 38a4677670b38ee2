package io.herald.store;

import io.herald.cluster.Addresses;
import io.herald.config.HeraldConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's store over the event bus (node-local consumers at {@code herald.store.*}, see {@link
 * Addresses}), its health flag, and the cluster's retention job. Deploy one instance per node.
 *
 * <p>Replies are JSON; failures carry {@link #BAD_REQUEST} (the message names the field), {@link
 * #UNAVAILABLE} (the database is down or slow: answer 503 STORE_UNAVAILABLE) or {@link
 * #INTERNAL}.
 *
 * <p>Retention runs on every node's timer, but a node purges only if it wins the {@link JobLease}
 * for the interval, so one node of the cluster purges per interval. The lease lives in PostgreSQL
 * rather than Hazelcast: the purge only touches the database, a dead node holds nothing, and
 * Hazelcast locks are not strongly consistent without the CP subsystem.
 */
public final class StoreVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(StoreVerticle.class);
  public static final int BAD_REQUEST = 400;
  public static final int UNAVAILABLE = 503;
  public static final int INTERNAL = 500;
  /** Health probe period while no request has told us better. */
  static final long PROBE_INTERVAL_MS = 2000;
  /** The first retention attempt comes this soon after start (or after one interval, if shorter). */
  static final long RETENTION_FIRST_DELAY_MS = 10_000;
  static final String RETENTION_JOB = "retention";
  /** A claim needs the last run to be this fraction of an interval old, so timer drift never skips one. */
  private static final double CLAIM_GAP = 0.9;
  static final int DEFAULT_LIMIT = 100;

  private final HeraldConfig config;
  private final NotificationStore store;
  private final JobLease lease;
  /** Direct messages and room history; null when this verticle serves notifications only (tests). */
  private final PgMessageStore messages;
  private final PgRoomHistory roomHistory;
  /** Single notifications (herald.store.insert) go through it; made in start(), on this verticle's context. */
  private GroupCommit groupCommit;
  private volatile boolean available;
  private long probeTimer = -1;
  private long retentionTimer = -1;

  public StoreVerticle(HeraldConfig config, NotificationStore store, JobLease lease, PgMessageStore messages,
      PgRoomHistory roomHistory) {
    this.config = config;
    this.store = store;
    this.lease = lease;
    this.messages = messages;
    this.roomHistory = roomHistory;
  }

  /** Everything on one database: notifications, direct messages, room history. */
  public StoreVerticle(HeraldConfig config, Database db) {
    this(config, new PgNotificationStore(db, config.pgTimeoutMs), db);
  }

  private StoreVerticle(HeraldConfig config, PgNotificationStore store, Database db) {
    this(config, store, store, new PgMessageStore(db, config.pgTimeoutMs), new PgRoomHistory(db, config.pgTimeoutMs));
  }

  /** Notifications only (tests of the notification store). */
  public StoreVerticle(HeraldConfig config, PgNotificationStore store) {
    this(config, store, store, null, null);
  }

  /** True while the database answers: the last request or probe (every ~2 s) succeeded. */
  public boolean available() {
    return available;
  }

  private io.herald.metrics.HeraldMetrics metrics;

  @Override
  public Future<?> start() {
    metrics = io.herald.metrics.HeraldMetrics.of(vertx);
    groupCommit = new GroupCommit(store::insertBatchCounted, config.pgPoolSize, config.pgInsertBatchMax,
        config.pgInsertQueueMax);
    EventBus eb = vertx.eventBus();
    List<MessageConsumer<JsonObject>> consumers = new ArrayList<>(List.of(
        eb.localConsumer(Addresses.STORE_INSERT, m -> handle(m, this::insert)),
        eb.localConsumer(Addresses.STORE_INSERT_BATCH, m -> handle(m, this::insertBatch)),
        eb.localConsumer(Addresses.STORE_AFTER, m -> handle(m, this::after)),
        eb.localConsumer(Addresses.STORE_UNREAD, m -> handle(m, this::unread)),
        eb.localConsumer(Addresses.STORE_PAGE, m -> handle(m, this::page)),
        eb.localConsumer(Addresses.STORE_MARK_READ, m -> handle(m, this::markRead)),
        eb.localConsumer(Addresses.STORE_MARK_ALL_READ, m -> handle(m, this::markAllRead)),
        eb.localConsumer(Addresses.STORE_MARK_ONE_READ, m -> handle(m, this::markOneRead)),
        eb.localConsumer(Addresses.STORE_UNREAD_COUNT, m -> handle(m, this::unreadCount))));
    if (messages != null) {
      consumers.addAll(new MessageConsumers(messages, roomHistory).register(eb, this::handle));
    }
    List<Future<Void>> registered = new ArrayList<>();
    consumers.forEach(c -> registered.add(c.completion()));
    probeTimer = vertx.setPeriodic(PROBE_INTERVAL_MS, id -> probe());
    long interval = config.retentionIntervalMs;
    retentionTimer = vertx.setPeriodic(Math.min(interval, RETENTION_FIRST_DELAY_MS), interval, id -> runRetention());
    return Future.all(registered).compose(v -> probe());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(probeTimer);
    vertx.cancelTimer(retentionTimer);
    return Future.succeededFuture();
  }

  /**
   * One retention attempt: purges if this node wins the interval's lease. The count deleted, or -1
   * when another node ran it recently.
   */
  public Future<Integer> runRetention() {
    long minGap = (long) (config.retentionIntervalMs * CLAIM_GAP);
    return lease.claim(RETENTION_JOB, minGap)
        .compose(won -> won
            ? store.purge(config.retentionMaxAgeDays, config.retentionMaxPerUser)
                .onSuccess(n -> log.info("retention: deleted {} stored notification(s)", n))
                .compose(n -> roomHistory == null ? Future.succeededFuture(n)
                    : roomHistory.purge(config.roomHistoryMaxAgeDays, config.roomHistoryMaxPerRoom)
                        .onSuccess(r -> log.info("retention: deleted {} room history event(s)", r))
                        .map(r -> n))
            : Future.succeededFuture(-1))
        .onFailure(err -> log.warn("retention run failed: {}", err.toString()));
  }

  /** Always succeeds; updates {@link #available()}. */
  private Future<Void> probe() {
    return store.ping()
        .onComplete(ar -> setAvailable(ar.succeeded()))
        .otherwiseEmpty();
  }

  private void setAvailable(boolean now) {
    if (available != now) {
      available = now;
      if (now) {
        log.info("store available");
      } else {
        log.warn("store unavailable");
      }
    }
  }

  private void handle(Message<JsonObject> msg, Function<JsonObject, Future<JsonObject>> action) {
    long start = System.nanoTime();
    Future<JsonObject> result;
    try {
      if (msg.body() == null) {
        throw new IllegalArgumentException("body must be a JSON object");
      }
      result = action.apply(msg.body());
    } catch (IllegalArgumentException | ClassCastException e) {
      result = Future.failedFuture(badRequest(e));
    }
    result.onComplete(ar -> metrics.storeOperation(operation(msg.address()), outcome(ar.cause()), System.nanoTime() - start));
    result.onSuccess(reply -> {
      setAvailable(true);
      msg.reply(reply);
    }).onFailure(err -> {
      if (err instanceof RefusedException) {
        msg.fail(MessageConsumers.FORBIDDEN, err.getMessage());
      } else if (err instanceof StoreUnavailableException) {
        setAvailable(false);
        msg.fail(UNAVAILABLE, err.getMessage());
      } else if (err instanceof IllegalArgumentException) {
        msg.fail(BAD_REQUEST, err.getMessage());
      } else {
        log.error("store request to {} failed", msg.address(), err);
        msg.fail(INTERNAL, "internal error");
      }
    });
  }

  /** The op tag of a store address: "insert" for herald.store.insert. */
  private static String operation(String address) {
    return address.startsWith(STORE_PREFIX) ? address.substring(STORE_PREFIX.length()) : address;
  }

  private static final String STORE_PREFIX = "herald.store.";

  private static String outcome(Throwable err) {
    if (err == null) {
      return "ok";
    }
    return err instanceof RefusedException ? "refused" : err instanceof StoreUnavailableException ? "unavailable"
        : err instanceof IllegalArgumentException ? "bad_request" : "error";
  }

  private static IllegalArgumentException badRequest(RuntimeException e) {
    return e instanceof IllegalArgumentException iae ? iae : new IllegalArgumentException("a field has the wrong type");
  }

  private Future<JsonObject> insert(JsonObject body) {
    return groupCommit.insert(NewNotification.fromJson(body)).map(StoreVerticle::counted)
        .andThen(ar -> {
          if (ar.succeeded()) {
            metrics.notificationsStored(1);
          }
        });
  }

  private Future<JsonObject> insertBatch(JsonObject body) {
    JsonArray items = body.getJsonArray("items");
    if (items == null) {
      throw new IllegalArgumentException("items must be an array");
    }
    List<NewNotification> batch = new ArrayList<>(items.size());
    for (Object o : items) {
      if (!(o instanceof JsonObject item)) {
        throw new IllegalArgumentException("items must hold objects");
      }
      batch.add(NewNotification.fromJson(item));
    }
    return store.insertBatchCounted(batch).map(list -> {
      metrics.notificationsStored(list.size());
      JsonArray array = new JsonArray();
      list.forEach(c -> array.add(counted(c)));
      return new JsonObject().put("items", array);
    });
  }

  /** A stored item with {@code unread}: its user's unread count after the commit. */
  private static JsonObject counted(NotificationStore.Counted c) {
    return c.item().toJson().put("unread", c.unread());
  }

  private Future<JsonObject> after(JsonObject body) {
    return store.after(userId(body), body.getLong("afterId", 0L), limit(body)).map(StoreVerticle::items);
  }

  private Future<JsonObject> unread(JsonObject body) {
    return store.unread(userId(body), limit(body)).map(StoreVerticle::items);
  }

  private Future<JsonObject> page(JsonObject body) {
    return store.page(userId(body), body.getLong("before"), limit(body)).map(Page::toJson);
  }

  private Future<JsonObject> markRead(JsonObject body) {
    JsonArray ids = body.getJsonArray("ids");
    if (ids == null) {
      throw new IllegalArgumentException("ids must be an array of numbers");
    }
    List<Long> list = new ArrayList<>(ids.size());
    for (Object o : ids) {
      if (!(o instanceof Number n)) {
        throw new IllegalArgumentException("ids must be an array of numbers");
      }
      list.add(n.longValue());
    }
    return store.markRead(userId(body), list).map(n -> new JsonObject().put("updated", n));
  }

  private Future<JsonObject> markAllRead(JsonObject body) {
    return store.markAllRead(userId(body)).map(n -> new JsonObject().put("updated", n));
  }

  private Future<JsonObject> markOneRead(JsonObject body) {
    Long id = body.getLong("id");
    if (id == null) {
      throw new IllegalArgumentException("id must be a number");
    }
    return store.markOneRead(userId(body), id).map(found -> new JsonObject().put("found", found));
  }

  private Future<JsonObject> unreadCount(JsonObject body) {
    return store.unreadCount(userId(body)).map(n -> new JsonObject().put("count", n));
  }

  private static String userId(JsonObject body) {
    String userId = NewNotification.text(body, "userId");
    if (userId == null || userId.isBlank()) {
      throw new IllegalArgumentException("userId must not be empty");
    }
    return userId;
  }

  private static int limit(JsonObject body) {
    return body.getInteger("limit", DEFAULT_LIMIT);
  }

  private static JsonObject items(List<StoredNotification> list) {
    JsonArray array = new JsonArray();
    list.forEach(n -> array.add(n.toJson()));
    return new JsonObject().put("items", array);
  }
}

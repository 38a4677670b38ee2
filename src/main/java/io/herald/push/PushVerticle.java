package io.herald.push;

import io.herald.cluster.Addresses;
import io.herald.config.HeraldConfig;
import io.herald.store.NewNotification;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes stored notifications to the devices of users who are not connected (docs/push.md). One
 * instance per node; its consumers are node-local ({@link Addresses#PUSH_NOTIFY} and the
 * registration addresses).
 *
 * <p>Routing tells it, for every stored notification, whether a node held a connection of the user
 * at that moment. It pushes when none did, or when the notification has {@code priority: high}; a
 * connected user gets it in-app only. Only {@code notification} events are pushed (a persisted
 * custom event has no title to show), and direct messages, which routing sends with a title and
 * {@code pushable: true}; a {@code collapseKey} (a direct message's conversation) lets the device
 * show only the newest of a series. Each device gets its own attempt sequence: 429 and 5xx are
 * retried on timers ({@link RetryPolicy}), 404/410/UNREGISTERED delete the registration, anything
 * else is logged. Every attempt is written to {@code push_attempts} and counted. Nothing here
 * reports back to the API call that stored the notification.
 *
 * <p>A channel without credentials is off: its devices are still registered and kept, just not
 * pushed to.
 */
public final class PushVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(PushVerticle.class);
  public static final int BAD_REQUEST = 400;
  public static final int UNAVAILABLE = 503;
  private static final long PURGE_FIRST_DELAY_MS = 15_000;

  private final HeraldConfig config;
  private final PushStore store;
  private final Channels channels;
  private final Map<String, PushProvider> providers = new LinkedHashMap<>();
  private final Map<String, Long> counters = new TreeMap<>();
  private RetryPolicy retry;
  private WebClient client;
  private long purgeTimer = -1;
  /** Retries waiting on a timer (bounded by push.max-pending-retries). */
  private volatile int pendingRetries;

  /** One device's attempt sequence for one notification. */
  private record Job(Device device, JsonObject notification, boolean highPriority, long firstAttemptAt) {}

  /** Makes the push channels the configuration turns on (io.herald.push.channels.PushChannels). */
  @FunctionalInterface
  public interface Channels {
    Future<Map<String, PushProvider>> create(Vertx vertx, WebClient client);
  }

  public PushVerticle(HeraldConfig config, PushStore store, Channels channels) {
    this.config = config;
    this.store = store;
    this.channels = channels;
  }

  @Override
  public Future<?> start() {
    retry = new RetryPolicy(config.pushMaxAttempts, config.pushRetryBaseMs, config.pushRetryWindowMs,
        () -> ThreadLocalRandom.current().nextDouble());
    client = WebClient.create(vertx, new WebClientOptions()
            .setConnectTimeout(config.pushRequestTimeoutMs)
            .setUserAgent("Herald-Push")
            .setFollowRedirects(false),
        new PoolOptions()
            .setHttp1MaxSize(config.pushMaxConnectionsPerHost)
            .setMaxWaitQueueSize(Math.max(config.pushMaxPendingRetries, 1)));
    io.herald.metrics.HeraldMetrics.of(vertx).gauge("herald.push.retries.pending",
        "Push attempts waiting on a retry timer on this node (bounded by push.max-pending-retries)", () -> pendingRetries);
    return providers().compose(v -> {
      logChannels();
      EventBus eb = vertx.eventBus();
      List<MessageConsumer<JsonObject>> consumers = List.of(
          eb.localConsumer(Addresses.PUSH_NOTIFY, this::onNotify),
          eb.localConsumer(Addresses.PUSH_REGISTER, this::onRegister),
          eb.localConsumer(Addresses.PUSH_UNREGISTER, this::onUnregister),
          eb.localConsumer(Addresses.PUSH_STATS, m -> m.reply(stats())));
      List<Future<Void>> registered = new ArrayList<>();
      consumers.forEach(c -> registered.add(c.completion()));
      long interval = config.retentionIntervalMs;
      purgeTimer = vertx.setPeriodic(Math.min(interval, PURGE_FIRST_DELAY_MS), interval, id -> purgeLog());
      return Future.all(registered);
    });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(purgeTimer);
    client.close();
    return Future.succeededFuture();
  }

  private Future<Void> providers() {
    return channels.create(vertx, client).map(made -> {
      providers.putAll(made);
      return null;
    });
  }

  private void logChannels() {
    PushProvider fcm = providers.get(Device.FCM);
    PushProvider webPush = providers.get(Device.WEBPUSH);
    log.info("push: {}; {}",
        fcm != null ? fcm.describe() : "FCM off (no fcm.credentials / HERALD_FCM_CREDENTIALS)",
        webPush != null ? webPush.describe() : "Web Push off (no vapid.public-key / HERALD_VAPID_PUBLIC_KEY)");
  }

  private void onNotify(Message<JsonObject> msg) {
    JsonObject body = msg.body();
    JsonObject n = body.getJsonObject("notification");
    boolean delivered = body.getBoolean("delivered", false);
    boolean high = "high".equals(body.getString("priority"));
    count("notifications");
    if (!body.getBoolean("pushable", NewNotification.DEFAULT_EVENT.equals(n.getString("event")))) {
      count("skipped.not-a-notification");
      return;
    }
    if (delivered && !high) {
      count("skipped.connected");
      return;
    }
    String userId = n.getString("userId");
    store.devices(userId)
        .onSuccess(devices -> {
          if (devices.isEmpty()) {
            count("skipped.no-devices");
          }
          long now = System.currentTimeMillis();
          for (Device d : devices) {
            if (providers.containsKey(d.channel())) {
              attempt(new Job(d, n, high, now), 1);
            } else {
              count("skipped.channel-off." + d.channel());
            }
          }
        })
        .onFailure(err -> {
          count("failed.devices-lookup");
          log.warn("push: could not read the devices of {} for notification {}: {}", userId, n.getValue("id"), err.toString());
        });
  }

  private void attempt(Job job, int attempt) {
    String channel = job.device.channel();
    count("attempts." + channel);
    providers.get(channel).send(job.device, job.notification, job.highPriority)
        .otherwise(err -> PushOutcome.retry(null, -1, err.toString()))
        .onSuccess(outcome -> settle(job, attempt, outcome));
  }

  private void settle(Job job, int attempt, PushOutcome outcome) {
    Device d = job.device;
    long notificationId = job.notification.getLong("id");
    String recorded = outcome.kind().name().toLowerCase(java.util.Locale.ROOT);
    io.herald.metrics.HeraldMetrics.of(vertx).pushAttempt(d.channel(), recorded);
    String detail = outcome.detail();
    switch (outcome.kind()) {
      case DELIVERED -> count("delivered." + d.channel());
      case GONE -> {
        count("pruned." + d.channel());
        log.info("push: {} device {} of {} is gone ({}); registration deleted", d.channel(), d.id(), d.userId(), detail);
        store.delete(d.id()).onFailure(err -> log.warn("push: could not delete device {}: {}", d.id(), err.toString()));
      }
      case FAILED -> {
        count("failed." + d.channel());
        log.warn("push: {} to device {} of {} refused: {}", d.channel(), d.id(), d.userId(), detail);
      }
      case RETRY -> {
        long delay = retry.nextDelay(attempt, System.currentTimeMillis() - job.firstAttemptAt, outcome.retryAfterMs());
        if (delay >= 0 && pendingRetries >= config.pushMaxPendingRetries) {
          delay = -1;
          detail = detail + "; " + pendingRetries + " retries already pending on this node";
        }
        if (delay < 0) {
          recorded = "failed";
          detail = "gave up after " + attempt + " attempt(s): " + detail;
          count("gave-up." + d.channel());
          log.warn("push: {} to device {} of {}: {}", d.channel(), d.id(), d.userId(), detail);
        } else {
          count("retries." + d.channel());
          pendingRetries++;
          vertx.setTimer(Math.max(1, delay), id -> {
            pendingRetries--;
            attempt(job, attempt + 1);
          });
        }
      }
      default -> throw new IllegalStateException();
    }
    store.log(new PushStore.Attempt(notificationId, d, attempt, outcome.httpStatus(), recorded, detail))
        .onFailure(err -> log.warn("push: could not log an attempt of notification {}: {}", notificationId, err.toString()));
  }

  private void onRegister(Message<JsonObject> msg) {
    JsonObject b = msg.body();
    String channel = b.getString("channel");
    if (!Device.FCM.equals(channel) && !Device.WEBPUSH.equals(channel)) {
      msg.fail(BAD_REQUEST, "channel must be fcm or webpush");
      return;
    }
    store.register(b.getString("userId"), channel, b.getString("address"), b.getString("platform"),
            b.getString("p256dh"), b.getString("auth"), config.pushMaxDevicesPerUser)
        .onSuccess(id -> {
          count("registered." + channel);
          msg.reply(new JsonObject().put("id", id));
        })
        .onFailure(err -> unavailable(msg, err));
  }

  private void onUnregister(Message<JsonObject> msg) {
    JsonObject b = msg.body();
    store.unregister(b.getString("userId"), b.getString("channel"), b.getString("address"))
        .onSuccess(n -> msg.reply(new JsonObject().put("removed", n)))
        .onFailure(err -> unavailable(msg, err));
  }

  private static void unavailable(Message<JsonObject> msg, Throwable err) {
    log.warn("push: registration store failed: {}", err.toString());
    msg.fail(UNAVAILABLE, "push registrations unavailable; retry later");
  }

  private void purgeLog() {
    store.purgeAttempts(config.retentionMaxAgeDays)
        .onSuccess(n -> {
          if (n > 0) {
            log.info("push: deleted {} delivery-log row(s) older than {} days", n, config.retentionMaxAgeDays);
          }
        })
        .onFailure(err -> log.warn("push: delivery-log purge failed: {}", err.toString()));
  }

  private void count(String name) {
    counters.merge(name, 1L, Long::sum);
  }

  private JsonObject stats() {
    JsonObject channels = new JsonObject()
        .put(Device.FCM, providers.containsKey(Device.FCM))
        .put(Device.WEBPUSH, providers.containsKey(Device.WEBPUSH));
    return new JsonObject().put("channels", channels).put("pendingRetries", pendingRetries)
        .put("counters", new JsonObject(new LinkedHashMap<>(counters)));
  }
}

package io.herald.bench;

import io.herald.cluster.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load generator's publisher: sends to a {@link Target} at a fixed rate for a fixed time, paced
 * every 5 ms, with at most {@code maxInFlight} sends outstanding (a send that would exceed it is
 * skipped and counted: the server did not keep up). Each message carries {@code "t":
 * System.nanoTime()} taken when it is handed to the transport. Two transports: HTTP (Herald's REST
 * API, the comparison servers' {@code /publish}) and, for Herald, the clustered event bus.
 */
abstract class Publisher implements AutoCloseable {
  private static final long PACE_MS = 5;

  /** What a run did: sends accepted by the server, refused or failed, skipped (too many in flight). */
  record Result(long sent, long failed, long skipped, long elapsedNanos) {}

  private final Vertx vertx;
  final String label;
  final Target target;

  private Publisher(Vertx vertx, String label, Target target) {
    this.vertx = vertx;
    this.label = label;
    this.target = target;
  }

  /** HTTP POSTs to {@code port} on 127.0.0.1, shaped by {@code kind}; a 2xx answer counts as sent. */
  static Publisher rest(Vertx vertx, ServerKind kind, int port, Target target) {
    return new RestPublisher(vertx, kind, port, target);
  }

  /**
   * Requests to Herald's producer addresses from a member of its cluster ({@code herald.send.room}
   * for a room, {@code herald.notify.user} for users); a reply counts as sent, a failure as failed.
   */
  static Publisher eventBus(Vertx clustered, Target target) {
    return new EventBusPublisher(clustered, target);
  }

  /** Sends message {@code seq}; succeeds when the server accepted it. Called on this publisher's Vert.x. */
  abstract Future<Void> send(long seq);

  /**
   * Publishes at {@code ratePerSecond} for {@code durationMs}, then waits (at most 10 s) for the
   * outstanding sends to be answered; blocks the calling (bench main) thread, never an event loop.
   */
  Result run(double ratePerSecond, long durationMs, int maxInFlight) {
    AtomicLong sent = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong skipped = new AtomicLong();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicLong due = new AtomicLong();
    long durationNanos = TimeUnit.MILLISECONDS.toNanos(durationMs);
    long start = System.nanoTime();
    Promise<Void> finished = Promise.promise();
    vertx.runOnContext(v0 -> {
      long timer = vertx.setPeriodic(PACE_MS, t -> {
        long elapsed = System.nanoTime() - start;
        long target = (long) (Math.min(elapsed, durationNanos) / 1e9 * ratePerSecond);
        while (due.get() < target) {
          long seq = due.getAndIncrement();
          if (inFlight.get() >= maxInFlight) {
            skipped.incrementAndGet();
            continue;
          }
          inFlight.incrementAndGet();
          send(seq).onComplete(ar -> {
            inFlight.decrementAndGet();
            (ar.succeeded() ? sent : failed).incrementAndGet();
          });
        }
        if (elapsed >= durationNanos) {
          vertx.cancelTimer(t);
          finished.tryComplete();
        }
      });
      vertx.setTimer(durationMs + 10_000, x -> {
        vertx.cancelTimer(timer);
        finished.tryComplete();
      });
    });
    finished.future().await();
    long elapsed = System.nanoTime() - start;
    long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (inFlight.get() > 0 && System.nanoTime() < drainDeadline) {
      vertx.timer(PACE_MS).await();
    }
    return new Result(sent.get(), failed.get() + inFlight.get(), skipped.get(), elapsed);
  }

  @Override
  public void close() {}

  private static final class RestPublisher extends Publisher {
    private final ServerKind kind;
    private final HttpClient http;
    private final String authorization;

    RestPublisher(Vertx vertx, ServerKind kind, int port, Target target) {
      super(vertx, "rest", target);
      this.kind = kind;
      this.authorization = kind.publishAuthorization();
      this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
          .setDefaultHost("127.0.0.1").setDefaultPort(port), new PoolOptions().setHttp1MaxSize(64));
    }

    @Override
    Future<Void> send(long seq) {
      RequestOptions req = new RequestOptions().setMethod(HttpMethod.POST).setURI(kind.publishPath(target, seq))
          .putHeader("content-type", "application/json");
      if (authorization != null) {
        req.putHeader("authorization", authorization);
      }
      return http.request(req)
          .compose(r -> r.send(kind.publishBody(target, seq, System.nanoTime())))
          .compose(resp -> resp.body().compose(b -> resp.statusCode() < 300 ? Future.succeededFuture()
              : Future.failedFuture("HTTP " + resp.statusCode() + ": " + b)));
    }

    @Override
    public void close() {
      try {
        http.close().await(10, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        // connections that do not close in time go with the members' Vert.x
      }
    }
  }

  private static final class EventBusPublisher extends Publisher {
    private static final DeliveryOptions BOUNDED = new DeliveryOptions().setSendTimeout(10_000);
    private final EventBus bus;

    EventBusPublisher(Vertx clustered, Target target) {
      super(clustered, "eventbus", target);
      this.bus = clustered.eventBus();
    }

    @Override
    Future<Void> send(long seq) {
      if (target instanceof Target.Users u) {
        JsonObject body = new JsonObject().put("userId", u.userId(seq)).put("title", "bench").put("message", "bench")
            .put("data", new JsonObject().put("t", System.nanoTime()));
        return bus.request(Addresses.NOTIFY_USER, body, BOUNDED).mapEmpty();
      }
      JsonObject body = new JsonObject().put("room", ((Target.Room) target).name()).put("event", "bench")
          .put("data", new JsonObject().put("t", System.nanoTime()));
      return bus.request(Addresses.SEND_ROOM, body, BOUNDED).mapEmpty();
    }
  }
}

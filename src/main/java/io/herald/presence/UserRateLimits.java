package io.herald.presence;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.github.bucket4j.BandwidthBuilder;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.grid.hazelcast.Bucket4jHazelcast;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.time.Duration;

/**
 * The per-user limit on client events ({@code ws.rate-limit-per-minute}), shared by all of a user's
 * connections on every node: one Bucket4j token bucket per user in the Hazelcast map {@value #MAP}
 * (greedy refill, so a user gets one event back every 60 s / limit, up to a burst of the limit).
 *
 * <p>Buckets are updated by compare-and-swap on the map (a read and a conditional replace, retried
 * on contention): no entry processor runs on the member that owns the entry, so producer members
 * without Herald's classes can own buckets too. Bucket4j's compare-and-swap mode is blocking, so
 * checks run on a worker pool of their own ({@value #POOL} threads, {@code herald-rate-limits}),
 * never on an event loop and never in the way of the default pool's directory reads. A bucket
 * untouched for two minutes (full again by then) expires with the map's time-to-live
 * ({@code ClusterSetup}).
 */
public final class UserRateLimits {
  /** The Hazelcast map of buckets, keyed by user id. */
  public static final String MAP = "herald.rate-limits";
  /** Entries expire this long after their last update: more than a full refill. */
  public static final int TTL_SECONDS = 120;

  /** Worker threads for the checks. */
  static final int POOL = 8;

  private final WorkerExecutor workers;
  private final ProxyManager<String> buckets;
  private final BucketConfiguration configuration;
  private final int perMinute;

  public UserRateLimits(Vertx vertx, HazelcastInstance hazelcast, int perMinute) {
    this.perMinute = perMinute;
    this.workers = vertx.createSharedWorkerExecutor("herald-rate-limits", POOL);
    IMap<String, byte[]> map = hazelcast.getMap(MAP);
    this.buckets = Bucket4jHazelcast.casBasedBuilder(map).build();
    this.configuration = BucketConfiguration.builder()
        .addLimit(BandwidthBuilder.builder().capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)).build())
        .build();
  }

  public int perMinute() {
    return perMinute;
  }

  /**
   * Takes up to {@code n} events from {@code userId}'s budget in one round trip; completes with how
   * many it got (the first ones of the caller's queue are allowed, the rest refused). Completes on
   * the caller's context; fails when Hazelcast cannot be reached.
   */
  public Future<Long> take(String userId, int n) {
    return workers.executeBlocking(() -> buckets.builder().build(userId, () -> configuration).tryConsumeAsMuchAsPossible(n), false);
  }
}

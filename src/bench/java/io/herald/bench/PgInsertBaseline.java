package io.herald.bench;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The storage ceiling beside scenario 3: plain single-row INSERTs (one statement each, autocommit)
 * into a fresh database holding Herald's own notifications table (its V1 migration, indexes
 * included), from this JVM with vertx-pg-client over as many pipelined connections as a Herald node
 * uses ({@code pg.pool-size}), for a fixed time. No advisory lock, no RETURNING, no unread count:
 * what the same PostgreSQL does when nothing else is asked of it.
 */
final class PgInsertBaseline {
  /** Herald's {@code pg.pool-size} default (conf/herald.yaml); the bench's Herald nodes keep it. */
  static final int POOL_SIZE = 8;
  /** Inserts outstanding at once (8 per connection, pipelined, as Herald's single-statement client). */
  static final int IN_FLIGHT = 64;
  private static final String SCHEMA = "db/migration/V1__notifications.sql";
  private static final String INSERT = "INSERT INTO notifications (user_id, event, type, title, message, data)"
      + " VALUES ($1, 'notification', 'info', $2, $3, $4::jsonb)";
  private static final int USERS = 1000;

  private PgInsertBaseline() {}

  /** Runs against {@code pgUrl} (an empty database) for {@code durationMs} after a short warm-up; blocks the caller. */
  static JsonObject run(Vertx vertx, String pgUrl, long durationMs) {
    SqlClient client = PgBuilder.client().with(new PoolOptions().setMaxSize(POOL_SIZE))
        .connectingTo(PgConnectOptions.fromUri(pgUrl).setCachePreparedStatements(true)).using(vertx).build();
    try {
      client.query(schema()).execute().await(30, TimeUnit.SECONDS);
      insertFor(vertx, client, Math.min(500, durationMs / 2)); // warm-up: connections, prepared statement, JIT
      long[] counts = insertFor(vertx, client, durationMs);
      return new JsonObject()
          .put("insertsPerSecond", counts[0] / (counts[2] / 1e9))
          .put("inserted", counts[0]).put("failed", counts[1]).put("seconds", counts[2] / 1e9)
          .put("poolSize", POOL_SIZE).put("inFlight", IN_FLIGHT)
          .put("statement", INSERT + " (autocommit, one row each)")
          .put("table", "Herald's notifications table and indexes (" + SCHEMA + ")");
    } catch (Exception e) {
      throw new IllegalStateException("the PostgreSQL insert baseline failed: " + e, e);
    } finally {
      client.close();
    }
  }

  /** Keeps {@link #IN_FLIGHT} inserts outstanding until {@code durationMs} has passed; {inserted, failed, nanos}. */
  private static long[] insertFor(Vertx vertx, SqlClient client, long durationMs) throws Exception {
    AtomicLong inserted = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong seq = new AtomicLong();
    AtomicInteger finished = new AtomicInteger();
    Promise<Void> done = Promise.promise();
    long start = System.nanoTime();
    long end = start + TimeUnit.MILLISECONDS.toNanos(durationMs);
    Runnable[] chain = new Runnable[1];
    chain[0] = () -> {
      if (System.nanoTime() >= end) {
        if (finished.incrementAndGet() == IN_FLIGHT) {
          done.tryComplete();
        }
        return;
      }
      long n = seq.getAndIncrement();
      client.preparedQuery(INSERT)
          .execute(Tuple.of("bench-u" + (n % USERS), "bench", "bench", "{\"t\":" + System.nanoTime() + "}"))
          .onComplete(ar -> {
            (ar.succeeded() ? inserted : failed).incrementAndGet();
            chain[0].run();
          });
    };
    vertx.runOnContext(v -> {
      for (int i = 0; i < IN_FLIGHT; i++) {
        chain[0].run();
      }
    });
    done.future().await(durationMs + 30_000, TimeUnit.MILLISECONDS);
    return new long[] {inserted.get(), failed.get(), System.nanoTime() - start};
  }

  private static String schema() {
    try (InputStream in = PgInsertBaseline.class.getClassLoader().getResourceAsStream(SCHEMA)) {
      if (in == null) {
        throw new IllegalStateException(SCHEMA + " is not on the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.test.Await;
import io.herald.test.PgExtension;
import io.herald.test.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.MethodOrderer;

@DisplayName("The store when PostgreSQL goes away and comes back")
@TestMethodOrder(MethodOrderer.DisplayName.class)
class StoreOutageTest {
  static final int TIMEOUT_MS = 1500;
  /** Slack over pg.timeout-ms for scheduling on a busy 2-core machine. */
  static final long SLACK_MS = 1000;
  @RegisterExtension
  static final PgExtension database = new PgExtension(Map.of("pg.timeout-ms", TIMEOUT_MS), Map.of());
  static Vertx vertx;
  static TestDatabase pg;

  @BeforeAll
  static void start() {
    vertx = database.vertx();
    pg = database.pg();
  }


  static PgNotificationStore store() {
    return new PgNotificationStore(pg.db(), TIMEOUT_MS);
  }

  /** The failure of {@code op}, which must come within pg.timeout-ms (plus slack). */
  static Throwable failsQuickly(Supplier<Future<?>> op) {
    long start = System.nanoTime();
    Throwable err = Await.failure(op.get());
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(ms).as("failed after %d ms", ms).isLessThanOrEqualTo(TIMEOUT_MS + SLACK_MS);
    return err;
  }

  @Test
  @DisplayName("1. database down: every call fails quickly with StoreUnavailableException; back up: the same clients recover")
  void downThenBack() {
    PgNotificationStore store = store();
    StoredNotification before = Await.result(store.insert(NewNotification.of("u-down", "t", "before", null, null)));

    Await.result(pg.db().stopEmbedded(), 30);
    assertThat(failsQuickly(() -> store.insert(NewNotification.of("u-down", "t", "lost", null, null))))
        .isInstanceOf(StoreUnavailableException.class);
    assertThat(failsQuickly(() -> store.insertBatch(List.of(
            NewNotification.of("u-down", "t", "lost-1", null, null), NewNotification.of("u-down", "t", "lost-2", null, null)))))
        .isInstanceOf(StoreUnavailableException.class);
    assertThat(failsQuickly(() -> store.after("u-down", 0, 10))).isInstanceOf(StoreUnavailableException.class);
    assertThat(failsQuickly(() -> store.unreadCount("u-down"))).isInstanceOf(StoreUnavailableException.class);
    assertThat(failsQuickly(() -> store.markAllRead("u-down"))).isInstanceOf(StoreUnavailableException.class);
    assertThat(failsQuickly(store::ping)).isInstanceOf(StoreUnavailableException.class);

    Await.result(pg.db().startEmbedded(), 60);
    // Same Database, same clients: nothing was re-created.
    StoredNotification after = Await.result(store.insert(NewNotification.of("u-down", "t", "after", null, null)));
    assertThat(Await.result(store.after("u-down", 0, 10))).containsExactly(before, after);
    Await.result(store.ping());
  }

  @Test
  @DisplayName("2. a batch inside its transaction when the database stops is not stored at all")
  void batchCutOff() {
    PgNotificationStore store = store();
    List<NewNotification> batch = IntStream.range(0, 10)
        .mapToObj(i -> NewNotification.of(i % 2 == 0 ? "u-cut-a" : "u-cut-b", "t", "n" + i, null, null)).toList();
    // Hold u-cut-b's insert lock so the batch is parked inside its open transaction.
    SqlConnection holder = Await.result(pg.db().pool().getConnection());
    Await.result(holder.begin());
    Await.result(holder.preparedQuery("SELECT pg_advisory_xact_lock(hashtext($1))").execute(Tuple.of("u-cut-b")));
    Future<List<StoredNotification>> inFlight = store.insertBatch(batch);
    Await.result(until(() -> pg.db().client().query(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND state = 'active'").execute()
        .map(rows -> rows.iterator().next().getLong(0) > 0)), 10);

    Await.result(pg.db().stopEmbedded(), 30);
    assertThat(Await.failure(inFlight)).isInstanceOf(StoreUnavailableException.class);
    Await.result(holder.close().otherwiseEmpty());
    Await.result(pg.db().startEmbedded(), 60);

    assertThat(Await.result(store.after("u-cut-a", 0, 100))).isEmpty();
    assertThat(Await.result(store.after("u-cut-b", 0, 100))).isEmpty();
  }

  /** Completes when {@code check} yields true, re-checking every 20 ms. */
  static Future<Void> until(Supplier<Future<Boolean>> check) {
    return check.get().compose(done -> done ? Future.succeededFuture() : vertx.timer(20).compose(t -> until(check)));
  }

  @Test
  @DisplayName("3. a statement stuck behind a lock fails with StoreUnavailableException after pg.timeout-ms")
  void slowDatabase() {
    PgNotificationStore store = store();
    // Another transaction holds u-slow's insert lock, so an insert for u-slow cannot proceed.
    SqlConnection holder = Await.result(pg.db().pool().getConnection());
    try {
      Await.result(holder.begin());
      Await.result(holder.preparedQuery("SELECT pg_advisory_xact_lock(hashtext($1))").execute(Tuple.of("u-slow")));
      long start = System.nanoTime();
      Throwable err = failsQuickly(() -> store.insert(NewNotification.of("u-slow", "t", "stuck", null, null)));
      assertThat(err).isInstanceOf(StoreUnavailableException.class);
      assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(TIMEOUT_MS - 100);
    } finally {
      Await.result(holder.close());
    }
    assertThat(Await.result(store.insert(NewNotification.of("u-slow", "t", "free", null, null))).title()).isEqualTo("free");
  }

  @Test
  @DisplayName("4. stored notifications survive a restart of the Database on the same data directory")
  void survivesRestart() {
    PgNotificationStore store = store();
    List<StoredNotification> stored = Await.result(store.insertBatch(List.of(
        NewNotification.of("u-durable", "t", "1", null, null), NewNotification.of("u-durable", "t", "2", null, null))));
    Await.result(store.markOneRead("u-durable", stored.get(0).id()));

    pg.restart();
    PgNotificationStore reopened = store();
    List<StoredNotification> replay = Await.result(reopened.after("u-durable", 0, 10));
    assertThat(replay).extracting(StoredNotification::id).containsExactly(stored.get(0).id(), stored.get(1).id());
    assertThat(replay.get(0).read()).isTrue();
    StoredNotification next = Await.result(reopened.insert(NewNotification.of("u-durable", "t", "3", null, null)));
    assertThat(next.id()).isGreaterThan(stored.get(1).id());
  }
}

package io.herald.store;

import io.vertx.core.Future;
import io.vertx.core.VertxException;
import io.vertx.core.json.Json;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.DatabaseException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * {@link NotificationStore} on PostgreSQL through the reactive pg client.
 *
 * <p>Per-user id order equals commit order because every insert takes {@code
 * pg_advisory_xact_lock(hashtext(user_id))} in its transaction before the id is drawn: one user's
 * inserts run one at a time, and the lock is released only once the commit is visible. A batch
 * locks all its users first, in hash order, so concurrent batches cannot deadlock. The cost is that
 * inserts for one user (or for users whose ids share a 32-bit hash) are serialised.
 *
 * <p>Every call is bounded by {@code pg.timeout-ms} on the client side (and by the same {@code
 * statement_timeout} on the server); a timeout, a refused or broken connection, or a server that is
 * shutting down fails with {@link StoreUnavailableException}.
 */
public final class PgNotificationStore implements NotificationStore, JobLease {
  /** Retention deletes may touch many rows: they get this many times {@code pg.timeout-ms}. */
  static final int PURGE_TIMEOUT_FACTOR = 10;

  private final SqlClient client;
  private final Pool pool;
  private final long timeoutMs;

  /**
   * @param client pipelined, for single statements
   * @param pool exclusive connections, for transactions
   */
  public PgNotificationStore(SqlClient client, Pool pool, long timeoutMs) {
    this.client = client;
    this.pool = pool;
    this.timeoutMs = timeoutMs;
  }

  public PgNotificationStore(Database db, long timeoutMs) {
    this(db.client(), db.pool(), timeoutMs);
  }

  @Override
  public Future<StoredNotification> insert(NewNotification n) {
    return guarded(() -> insertMany(List.of(n)).map(list -> list.get(0).item()));
  }

  @Override
  public Future<Counted> insertCounted(NewNotification n) {
    return guarded(() -> insertMany(List.of(n)).map(list -> list.get(0)));
  }

  @Override
  public Future<List<Counted>> insertBatchCounted(List<NewNotification> batch) {
    return guarded(() -> {
      checkBatch(batch);
      return batch.isEmpty() ? Future.succeededFuture(List.of()) : insertMany(batch);
    });
  }

  @Override
  public Future<List<StoredNotification>> insertBatch(List<NewNotification> batch) {
    return insertBatchCounted(batch).map(list -> list.stream().map(Counted::item).toList());
  }

  private static void checkBatch(List<NewNotification> batch) {
    if (batch.size() > MAX_BATCH) {
      throw new IllegalArgumentException("a batch holds at most " + MAX_BATCH + " notifications");
    }
  }

  /**
   * One statement, one round trip and one commit for the whole list ({@link SqlQueries#INSERT_MANY}):
   * the group commit's batches, send-many's batches and single inserts all take this way. It runs
   * on a connection of its own from the pool, not on the pipelined client: an insert can wait on a
   * user's lock, and a read pipelined behind it on the same connection would wait with it.
   */
  private Future<List<Counted>> insertMany(List<NewNotification> batch) {
    int n = batch.size();
    String[] users = new String[n];
    String[] events = new String[n];
    String[] types = new String[n];
    String[] titles = new String[n];
    String[] messages = new String[n];
    String[] data = new String[n];
    for (int i = 0; i < n; i++) {
      NewNotification item = batch.get(i);
      users[i] = item.userId();
      events[i] = item.event();
      types[i] = item.type();
      titles[i] = item.title();
      messages[i] = item.message();
      data[i] = item.dataText();
    }
    Tuple params = Tuple.tuple().addArrayOfString(users).addArrayOfString(events).addArrayOfString(types)
        .addArrayOfString(titles).addArrayOfString(messages).addArrayOfString(data);
    return pool.preparedQuery(SqlQueries.INSERT_MANY).execute(params).map(rows -> {
      List<Counted> out = new ArrayList<>(n);
      for (Row row : rows) {
        out.add(new Counted(toNotification(row), row.getLong("unread")));
      }
      // rows come back in id order, which is input order: say so loudly if that ever changes
      for (int i = 0; i < n; i++) {
        if (i >= out.size() || !out.get(i).item().userId().equals(users[i])) {
          throw new IllegalStateException("insert returned rows out of input order");
        }
      }
      return out;
    });
  }

  @Override
  public Future<List<StoredNotification>> after(String userId, long afterId, int limit) {
    return guarded(() -> client.preparedQuery(SqlQueries.AFTER)
        .execute(Tuple.of(user(userId), afterId, replayLimit(limit)))
        .map(PgNotificationStore::toList));
  }

  @Override
  public Future<List<StoredNotification>> unread(String userId, int limit) {
    return guarded(() -> client.preparedQuery(SqlQueries.UNREAD)
        .execute(Tuple.of(user(userId), replayLimit(limit)))
        .map(PgNotificationStore::toList));
  }

  @Override
  public Future<Page> page(String userId, Long before, int limit) {
    return guarded(() -> {
      if (limit < 1) {
        throw new IllegalArgumentException("limit must be at least 1");
      }
      int size = Math.min(limit, MAX_PAGE);
      long bound = before == null ? Long.MAX_VALUE : before;
      return client.preparedQuery(SqlQueries.PAGE).execute(Tuple.of(user(userId), bound, size + 1))
          .map(rows -> {
            List<StoredNotification> items = toList(rows);
            if (items.size() <= size) {
              return new Page(items, null);
            }
            List<StoredNotification> page = items.subList(0, size);
            return new Page(page, page.get(size - 1).id());
          });
    });
  }

  @Override
  public Future<Integer> markRead(String userId, List<Long> ids) {
    return guarded(() -> {
      String user = user(userId);
      if (ids == null || ids.isEmpty()) {
        return Future.succeededFuture(0);
      }
      if (ids.size() > MAX_REPLAY || ids.stream().anyMatch(Objects::isNull)) {
        throw new IllegalArgumentException("ids must be 1.." + MAX_REPLAY + " numbers");
      }
      return client.preparedQuery(SqlQueries.MARK_READ).execute(Tuple.of(user).addArrayOfLong(ids.toArray(new Long[0])))
          .map(RowSet::rowCount);
    });
  }

  @Override
  public Future<Integer> markAllRead(String userId) {
    return guarded(() -> client.preparedQuery(SqlQueries.MARK_ALL_READ).execute(Tuple.of(user(userId)))
        .map(RowSet::rowCount));
  }

  @Override
  public Future<Boolean> markOneRead(String userId, long id) {
    return guarded(() -> client.preparedQuery(SqlQueries.MARK_ONE_READ).execute(Tuple.of(user(userId), id))
        .map(rows -> rows.rowCount() > 0));
  }

  @Override
  public Future<Long> unreadCount(String userId) {
    return guarded(() -> client.preparedQuery(SqlQueries.UNREAD_COUNT).execute(Tuple.of(user(userId)))
        .map(rows -> rows.iterator().next().getLong(0)));
  }

  @Override
  public Future<Integer> purge(int maxAgeDays, int maxPerUser) {
    return guarded(() -> {
      if (maxAgeDays < 1 || maxPerUser < 1) {
        throw new IllegalArgumentException("maxAgeDays and maxPerUser must be at least 1");
      }
      String statementTimeout = Long.toString(timeoutMs * PURGE_TIMEOUT_FACTOR);
      return pool.withTransaction(conn -> conn.preparedQuery(SqlQueries.LOCAL_STATEMENT_TIMEOUT)
          .execute(Tuple.of(statementTimeout))
          .compose(set -> conn.preparedQuery(SqlQueries.PURGE_OLD).execute(Tuple.of(maxAgeDays)))
          .compose(old -> conn.preparedQuery(SqlQueries.PURGE_OVER_LIMIT).execute(Tuple.of(maxPerUser))
              .map(over -> old.rowCount() + over.rowCount())));
    }, timeoutMs * PURGE_TIMEOUT_FACTOR);
  }

  @Override
  public Future<Void> ping() {
    return guarded(() -> client.query(SqlQueries.PING).execute().mapEmpty());
  }

  /**
   * The claim is a conditional UPDATE of the job's row in {@code store_jobs}: the row lock serialises
   * racing nodes and the losers re-check the condition against the winner's new last_run.
   */
  @Override
  public Future<Boolean> claim(String job, long minGapMs) {
    return guarded(() -> client.preparedQuery(SqlQueries.CLAIM_JOB).execute(Tuple.of(job, minGapMs / 1000.0))
        .map(rows -> rows.rowCount() > 0));
  }

  private <T> Future<T> guarded(Supplier<Future<T>> body) {
    return guarded(body, timeoutMs);
  }

  /** Runs {@code body} (a throw becomes a failed future), bounded and with failures classified. */
  static <T> Future<T> guarded(Supplier<Future<T>> body, long timeoutMs) {
    Future<T> f;
    try {
      f = body.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return f.timeout(timeoutMs, TimeUnit.MILLISECONDS).recover(err -> Future.failedFuture(classify(err)));
  }

  /** A failure of the database or the way to it becomes StoreUnavailableException; others pass. */
  static Throwable classify(Throwable err) {
    if (err instanceof StoreUnavailableException || err instanceof IllegalArgumentException) {
      return err;
    }
    if (err instanceof DatabaseException db) {
      return unavailableState(db.getSqlState())
          ? new StoreUnavailableException("database unavailable: " + db.getMessage(), db)
          : err;
    }
    if (err instanceof TimeoutException || isPoolWaitTimeout(err)) {
      return new StoreUnavailableException("database did not answer in time", err);
    }
    if (err instanceof IOException || err instanceof ClosedConnectionException
        || err == NetSocketInternal.CLOSED_EXCEPTION) {
      return new StoreUnavailableException("database unreachable: " + err.getMessage(), err);
    }
    return err;
  }

  /** The pool gave up waiting for a free connection (PoolOptions connection timeout). */
  private static boolean isPoolWaitTimeout(Throwable err) {
    return err.getClass() == VertxException.class && err.getMessage() != null && err.getMessage().startsWith("Timeout");
  }

  /**
   * Connection exceptions (08), insufficient resources (53), operator intervention (57: shutdown,
   * cannot connect now, statement timeout).
   */
  private static boolean unavailableState(String state) {
    return state != null && (state.startsWith("08") || state.startsWith("53") || state.startsWith("57"));
  }

  private static List<StoredNotification> toList(RowSet<Row> rows) {
    List<StoredNotification> out = new ArrayList<>(rows.size());
    rows.forEach(row -> out.add(toNotification(row)));
    return out;
  }

  static StoredNotification toNotification(Row row) {
    String data = row.getString("data");
    OffsetDateTime created = row.getOffsetDateTime("created_at");
    return new StoredNotification(row.getLong("id"), row.getString("user_id"), row.getString("event"),
        row.getString("type"), row.getString("title"), row.getString("message"),
        data == null ? null : Json.decodeValue(data), created.toInstant().toEpochMilli(), row.getBoolean("read"));
  }

  private static String user(String userId) {
    if (userId == null || userId.isBlank()) {
      throw new IllegalArgumentException("userId must not be empty");
    }
    return userId;
  }

  private static int replayLimit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1");
    }
    return Math.min(limit, MAX_REPLAY);
  }
}

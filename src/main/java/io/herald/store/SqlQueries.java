package io.herald.store;

/** Every statement the store runs, with {@code $n} parameters. docs/storage.md explains the schema. */
final class SqlQueries {
  private SqlQueries() {}

  static final String COLUMNS = "id, user_id, event, type, title, message, data::text AS data, created_at, read";

  /**
   * Any number of notifications (parallel text[] parameters: user_id, event, type, title, message,
   * data as JSON text), in one statement and so one round trip and one commit, each row returned
   * with {@code unread}: its user's unread count once it is stored.
   *
   * <ul>
   *   <li>{@code locked} takes every user's advisory lock, in hash order (as {@link #LOCK_USERS}),
   *       and is a scalar subquery of both the insert and the counts, so PostgreSQL evaluates it
   *       once, before either (an InitPlan): ids are drawn, and counters read, under the locks.
   *   <li>{@code before} reads each user's kept counter through the volatile function, whose fresh
   *       snapshot is taken after the locks (V4, V7); the batch's own rows are not in it (the
   *       counters' trigger runs after the statement).
   *   <li>The rows are inserted in input order, so ids ascend in it; a row's count is its user's
   *       {@code before} plus its rank among the batch's rows of that user.
   * </ul>
   */
  static final String INSERT_MANY = """
      WITH input AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
          WITH ORDINALITY AS t(user_id, event, type, title, message, data, ord)
      ),
      locked AS (
        SELECT count(pg_advisory_xact_lock(h)) AS n
        FROM (SELECT DISTINCT hashtext(user_id) AS h FROM input ORDER BY h) AS users
      ),
      before AS (
        SELECT user_id, herald_unread_count_except(user_id, (SELECT n FROM locked)) AS unread
        FROM (SELECT DISTINCT user_id FROM input) AS users
      ),
      inserted AS (
        INSERT INTO notifications (user_id, event, type, title, message, data, created_at)
        SELECT user_id, event, type, title, message, data::jsonb, clock_timestamp()
        FROM input WHERE (SELECT n FROM locked) >= 0
        ORDER BY ord
        RETURNING\s""" + COLUMNS + """
      )
      SELECT inserted.*,
             before.unread + row_number() OVER (PARTITION BY inserted.user_id ORDER BY inserted.id) AS unread
      FROM inserted JOIN before USING (user_id)
      ORDER BY inserted.id""";

  /**
   * Locks the users of a batch (a text[]), in hash order so two batches never wait for each other
   * in a cycle. The subquery's ORDER BY keeps it from being flattened, so locks follow that order.
   */
  static final String LOCK_USERS = """
      SELECT pg_advisory_xact_lock(h)
      FROM (SELECT DISTINCT hashtext(u) AS h FROM unnest($1::text[]) AS u ORDER BY h) AS users""";

  static final String AFTER = "SELECT " + COLUMNS
      + " FROM notifications WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3";

  static final String UNREAD = "SELECT * FROM (SELECT " + COLUMNS
      + " FROM notifications WHERE user_id = $1 AND NOT read ORDER BY id DESC LIMIT $2) AS newest ORDER BY id";

  /** $2 is the exclusive upper bound (Long.MAX_VALUE for the first page); $3 is limit + 1. */
  static final String PAGE = "SELECT " + COLUMNS
      + " FROM notifications WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3";

  static final String MARK_READ =
      "UPDATE notifications SET read = true WHERE user_id = $1 AND id = ANY($2::bigint[]) AND NOT read";

  static final String MARK_ALL_READ = "UPDATE notifications SET read = true WHERE user_id = $1 AND NOT read";

  /** Matches the row even when it is already read: the caller learns whether it is the user's. */
  static final String MARK_ONE_READ = "UPDATE notifications SET read = true WHERE user_id = $1 AND id = $2";

  /** The user's kept unread count (V7): one row, whatever the backlog. */
  static final String UNREAD_COUNT = "SELECT COALESCE((SELECT count FROM unread_counters WHERE user_id = $1), 0)";

  static final String PURGE_OLD = "DELETE FROM notifications WHERE created_at < now() - make_interval(days => $1)";

  /** Keeps each user's newest $1: deletes from the ($1 + 1)-th newest down, only for users over the limit. */
  static final String PURGE_OVER_LIMIT = """
      DELETE FROM notifications n
      USING (
        SELECT crowded.user_id,
               (SELECT k.id FROM notifications k WHERE k.user_id = crowded.user_id
                ORDER BY k.id DESC OFFSET $1 LIMIT 1) AS newest_dropped
        FROM (SELECT user_id FROM notifications GROUP BY user_id HAVING count(*) > $1) AS crowded
      ) AS cut
      WHERE n.user_id = cut.user_id AND n.id <= cut.newest_dropped""";

  /**
   * Claims a periodic job: moves last_run to now if the previous run is at least $2 seconds old.
   * A row comes back to exactly one of the nodes racing for it (the row lock serialises them and
   * the losers re-check the condition against the winner's update).
   */
  static final String CLAIM_JOB = """
      UPDATE store_jobs SET last_run = now()
      WHERE name = $1 AND last_run <= now() - make_interval(secs => $2)
      RETURNING last_run""";

  static final String PING = "SELECT 1";

  /** statement_timeout for the rest of the current transaction only. */
  static final String LOCAL_STATEMENT_TIMEOUT = "SELECT set_config('statement_timeout', $1, true)";
}

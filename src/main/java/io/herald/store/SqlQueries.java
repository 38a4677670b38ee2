package io.herald.store;

/** Every statement the store runs, with {@code $n} parameters. docs/storage.md explains the schema. */
final class SqlQueries {
  private SqlQueries() {}

  static final String COLUMNS = "id, user_id, event, type, title, message, data::text AS data, created_at, read";

  /**
   * One notification, in its own (single-statement) transaction. The per-user advisory lock is
   * taken before the identity value is drawn and released after the commit is visible, so one
   * user's ids commit in increasing order (V1__notifications.sql). created_at is taken under the
   * lock too, so it follows id order per user.
   */
  static final String INSERT = """
      WITH user_lock AS (SELECT pg_advisory_xact_lock(hashtext($1)))
      INSERT INTO notifications (user_id, event, type, title, message, data, created_at)
      SELECT $1, $2, $3, $4, $5, $6::text::jsonb, clock_timestamp() FROM user_lock
      RETURNING\s""" + COLUMNS;

  /**
   * {@link #INSERT}, returning the user's unread count after it as the last column {@code unread}:
   * the user's kept counter (V7), read by a volatile function once the lock is held, so it includes
   * every earlier commit of the user (V4__unread_count_function.sql), plus the new row.
   */
  static final String INSERT_COUNTED = """
      WITH user_lock AS (SELECT pg_advisory_xact_lock(hashtext($1))),
      inserted AS (
        INSERT INTO notifications (user_id, event, type, title, message, data, created_at)
        SELECT $1, $2, $3, $4, $5, $6::text::jsonb, clock_timestamp() FROM user_lock
        RETURNING\s""" + COLUMNS + """
      )
      SELECT inserted.*, herald_unread_count_except($1, inserted.id) + 1 AS unread FROM inserted""";

  /** The unread count of each user of a text[], from the kept counters (V7; users without one are absent). */
  static final String UNREAD_COUNTS = """
      SELECT user_id, count FROM unread_counters WHERE user_id = ANY($1::text[])""";

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

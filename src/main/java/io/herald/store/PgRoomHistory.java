package io.herald.store;

import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * Room history on PostgreSQL (V6__room_history.sql). An insert takes the room's advisory lock in
 * its own statement's transaction, so per room id order is commit order: replaying after an id
 * misses nothing. Failures as {@link NotificationStore}'s.
 */
public final class PgRoomHistory {
  /** Largest page of {@link #page}, and of one {@link #after} read. */
  public static final int MAX_PAGE = 1000;
  private static final String COLUMNS = "id, room, event, data::text AS data, from_user, created_at";

  private static final String INSERT = """
      WITH room_lock AS (SELECT pg_advisory_xact_lock(2, hashtext($1)))
      INSERT INTO room_events (room, event, data, from_user, created_at)
      SELECT $1, $2, $3::text::jsonb, $4, clock_timestamp() FROM room_lock
      RETURNING\s""" + COLUMNS;
  private static final String AFTER = "SELECT " + COLUMNS + " FROM room_events WHERE room = $1 AND id > $2 ORDER BY id LIMIT $3";
  private static final String PAGE = "SELECT " + COLUMNS + " FROM room_events WHERE room = $1 AND id < $2 ORDER BY id DESC LIMIT $3";
  private static final String PURGE_OLD = "DELETE FROM room_events WHERE created_at < now() - make_interval(days => $1)";
  /** Keeps each room's newest $1 (as notifications' PURGE_OVER_LIMIT does per user). */
  private static final String PURGE_OVER_LIMIT = """
      DELETE FROM room_events e
      USING (
        SELECT crowded.room,
               (SELECT k.id FROM room_events k WHERE k.room = crowded.room ORDER BY k.id DESC OFFSET $1 LIMIT 1) AS newest_dropped
        FROM (SELECT room FROM room_events GROUP BY room HAVING count(*) > $1) AS crowded
      ) AS cut
      WHERE e.room = cut.room AND e.id <= cut.newest_dropped""";

  private final SqlClient client;
  private final Pool pool;
  private final long timeoutMs;

  public PgRoomHistory(Database db, long timeoutMs) {
    this.client = db.client();
    this.pool = db.pool();
    this.timeoutMs = timeoutMs;
  }

  /** Stores an event of {@code room} published by {@code from} (null for a backend). */
  public Future<RoomEvent> insert(String room, String event, Object data, String from) {
    return PgNotificationStore.guarded(() -> client.preparedQuery(INSERT)
        .execute(Tuple.of(room, PgText.check("event", event), data == null ? null : Json.encode(PgText.checkJson("data", data)), from))
        .map(rows -> toEvent(rows.iterator().next())), timeoutMs);
  }

  /** The room's events after {@code afterId}, oldest first, at most {@code limit} (capped at {@link #MAX_PAGE}). */
  public Future<List<RoomEvent>> after(String room, long afterId, int limit) {
    return PgNotificationStore.guarded(() -> client.preparedQuery(AFTER)
        .execute(Tuple.of(room, afterId, Math.max(1, Math.min(limit, MAX_PAGE))))
        .map(PgRoomHistory::toList), timeoutMs);
  }

  /** One page before {@code before} (the newest when null), newest first: {"room","items","nextBefore"}. */
  public Future<JsonObject> page(String room, Long before, int limit) {
    int size = Math.max(1, Math.min(limit, MAX_PAGE));
    return PgNotificationStore.guarded(() -> client.preparedQuery(PAGE)
        .execute(Tuple.of(room, before == null ? Long.MAX_VALUE : before, size + 1))
        .map(rows -> {
          List<RoomEvent> events = toList(rows);
          boolean more = events.size() > size;
          JsonArray items = new JsonArray();
          events.subList(0, Math.min(size, events.size())).forEach(e -> items.add(e.toJson()));
          Long next = more ? events.get(size - 1).id() : null;
          return new JsonObject().put("room", room).put("items", items).put("nextBefore", next);
        }), timeoutMs);
  }

  /** Deletes events older than {@code maxAgeDays} and all but each room's newest {@code maxPerRoom}. */
  public Future<Integer> purge(int maxAgeDays, int maxPerRoom) {
    return PgNotificationStore.guarded(() -> pool.withTransaction(conn -> conn.preparedQuery(PURGE_OLD).execute(Tuple.of(maxAgeDays))
        .compose(old -> conn.preparedQuery(PURGE_OVER_LIMIT).execute(Tuple.of(maxPerRoom))
            .map(over -> old.rowCount() + over.rowCount()))), timeoutMs * PgNotificationStore.PURGE_TIMEOUT_FACTOR);
  }

  private static List<RoomEvent> toList(RowSet<Row> rows) {
    List<RoomEvent> out = new ArrayList<>(rows.size());
    rows.forEach(row -> out.add(toEvent(row)));
    return out;
  }

  private static RoomEvent toEvent(Row row) {
    String data = row.getString("data");
    return new RoomEvent(row.getLong("id"), row.getString("room"), row.getString("event"),
        data == null ? null : Json.decodeValue(data), row.getString("from_user"),
        row.getOffsetDateTime("created_at").toInstant().toEpochMilli());
  }
}

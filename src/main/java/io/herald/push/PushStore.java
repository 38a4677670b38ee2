package io.herald.push;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Push registrations and the delivery log in PostgreSQL (tables of V3__push.sql). Every call is
 * bounded by {@code pg.timeout-ms}. A (channel, address) pair has one owner: registering it moves it
 * to the caller. Unregistering only ever matches the caller's own rows.
 */
public final class PushStore {
  /** Insert, or take over and refresh: the address now belongs to $1. */
  static final String UPSERT = """
      INSERT INTO push_devices (user_id, channel, address, platform, p256dh, auth, registered_at)
      VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp())
      ON CONFLICT (channel, address) DO UPDATE SET
        user_id = EXCLUDED.user_id, platform = EXCLUDED.platform, p256dh = EXCLUDED.p256dh,
        auth = EXCLUDED.auth, registered_at = EXCLUDED.registered_at
      RETURNING id""";

  /** Keeps the user's newest $2 devices (both channels together). */
  static final String TRIM = """
      DELETE FROM push_devices WHERE id IN (
        SELECT id FROM push_devices WHERE user_id = $1 ORDER BY registered_at DESC, id DESC OFFSET $2)""";

  static final String DELETE_ONE = "DELETE FROM push_devices WHERE user_id = $1 AND channel = $2 AND address = $3";
  static final String DELETE_CHANNEL = "DELETE FROM push_devices WHERE user_id = $1 AND channel = $2";
  static final String DELETE_BY_ID = "DELETE FROM push_devices WHERE id = $1";

  static final String DEVICES = """
      SELECT id, user_id, channel, address, platform, p256dh, auth FROM push_devices
      WHERE user_id = $1 ORDER BY id""";

  static final String LOG_ATTEMPT = """
      INSERT INTO push_attempts (notification_id, user_id, device_id, channel, attempt, http_status, outcome, detail)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""";

  static final String PURGE_ATTEMPTS = "DELETE FROM push_attempts WHERE created_at < now() - make_interval(days => $1)";

  /** One attempt for the delivery log. {@code httpStatus} null when no response came. */
  public record Attempt(long notificationId, Device device, int attempt, Integer httpStatus, String outcome,
                        String detail) {}

  private final SqlClient client;
  private final Pool pool;
  private final long timeoutMs;

  public PushStore(SqlClient client, Pool pool, long timeoutMs) {
    this.client = client;
    this.pool = pool;
    this.timeoutMs = timeoutMs;
  }

  /** Registers (or takes over) a device and drops the user's oldest beyond {@code maxDevices}. */
  public Future<Long> register(String userId, String channel, String address, String platform, String p256dh,
                               String auth, int maxDevices) {
    return bounded(pool.withTransaction(conn -> conn.preparedQuery(UPSERT)
        .execute(Tuple.of(userId, channel, address, platform, p256dh, auth))
        .compose(rows -> {
          long id = rows.iterator().next().getLong(0);
          return conn.preparedQuery(TRIM).execute(Tuple.of(userId, maxDevices)).map(trimmed -> id);
        })));
  }

  /** Removes the user's device with this address, or all of the channel when {@code address} is null. */
  public Future<Integer> unregister(String userId, String channel, String address) {
    Future<Integer> removed = address == null
        ? client.preparedQuery(DELETE_CHANNEL).execute(Tuple.of(userId, channel)).map(r -> r.rowCount())
        : client.preparedQuery(DELETE_ONE).execute(Tuple.of(userId, channel, address)).map(r -> r.rowCount());
    return bounded(removed);
  }

  public Future<List<Device>> devices(String userId) {
    return bounded(client.preparedQuery(DEVICES).execute(Tuple.of(userId)).map(rows -> {
      List<Device> out = new ArrayList<>();
      for (Row r : rows) {
        out.add(new Device(r.getLong("id"), r.getString("user_id"), r.getString("channel"), r.getString("address"),
            r.getString("platform"), r.getString("p256dh"), r.getString("auth")));
      }
      return out;
    }));
  }

  /** Deletes a dead registration (whoever owns it now: the push service said the address is gone). */
  public Future<Boolean> delete(long deviceId) {
    return bounded(client.preparedQuery(DELETE_BY_ID).execute(Tuple.of(deviceId)).map(r -> r.rowCount() > 0));
  }

  public Future<Void> log(Attempt a) {
    Tuple t = Tuple.of(a.notificationId(), a.device().userId(), a.device().id(), a.device().channel(), a.attempt(),
        a.httpStatus(), a.outcome(), a.detail());
    return bounded(client.preparedQuery(LOG_ATTEMPT).execute(t).mapEmpty());
  }

  public Future<Integer> purgeAttempts(int maxAgeDays) {
    return bounded(client.preparedQuery(PURGE_ATTEMPTS).execute(Tuple.of(maxAgeDays)).map(r -> r.rowCount()));
  }

  private <T> Future<T> bounded(Future<T> f) {
    return f.timeout(timeoutMs, TimeUnit.MILLISECONDS);
  }
}

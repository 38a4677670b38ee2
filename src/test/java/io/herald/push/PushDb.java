package io.herald.push;

import io.herald.test.TestSocket;
import io.herald.test.Await;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Reads the push tables directly (JDBC, test thread) to check what the node stored. */
final class PushDb {
  private final String jdbcUrl;
  private final String user;
  private final String password;

  PushDb(String pgUrl) {
    URI u = URI.create(pgUrl);
    String[] userInfo = u.getUserInfo().split(":", 2);
    this.jdbcUrl = "jdbc:postgresql://" + u.getHost() + ":" + u.getPort() + u.getPath();
    this.user = userInfo[0];
    this.password = userInfo.length > 1 ? userInfo[1] : "";
  }

  /** The owner of a registration, or null when there is none. */
  String owner(String channel, String address) {
    List<String> rows = strings("SELECT user_id FROM push_devices WHERE channel = ? AND address = ?", channel, address);
    return rows.isEmpty() ? null : rows.get(0);
  }

  /** A user's device addresses, oldest registration first. */
  List<String> addresses(String userId) {
    return strings("SELECT address FROM push_devices WHERE user_id = ? ORDER BY registered_at, id", userId);
  }

  /** Outcomes logged for one notification on one channel, in attempt order. */
  List<String> outcomes(long notificationId, String channel) {
    return strings("SELECT outcome FROM push_attempts WHERE notification_id = ? AND channel = ? ORDER BY attempt",
        notificationId, channel);
  }

  /** Polls (bounded, 10 s) until the query's rows satisfy {@code done}; returns the last rows. */
  <T> T await(java.util.function.Supplier<T> read, Predicate<T> done, String what) {
    long deadline = System.currentTimeMillis() + 10_000;
    T rows = read.get();
    while (!done.test(rows) && System.currentTimeMillis() < deadline) {
      Await.result(TestSocket.vertx().timer(25));
      rows = read.get();
    }
    if (!done.test(rows)) {
      throw new AssertionError(what + " not reached within 10 s; last: " + rows);
    }
    return rows;
  }

  private List<String> strings(String sql, Object... params) {
    try (Connection c = DriverManager.getConnection(jdbcUrl, user, password);
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      List<String> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}

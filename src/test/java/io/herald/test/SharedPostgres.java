package io.herald.test;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * One real embedded PostgreSQL for the whole test JVM (started on first use, stopped at exit);
 * each {@link TestNodes} gets a fresh database in it, so test classes never see each other's rows.
 * Tests that stop the database use their own {@link TestDatabase} instead.
 */
public final class SharedPostgres {
  private static EmbeddedPostgres server;

  private SharedPostgres() {}

  /** Creates an empty database and returns its {@code postgresql://} URL. Blocking (test thread). */
  public static synchronized String newDatabase() {
    try {
      if (server == null) {
        // Throwaway test databases: fsync off on purpose, for speed (Herald's own embedded server
        // runs with it on, pg.embedded-fsync).
        server = EmbeddedPostgres.builder().setPort(0).setServerConfig("fsync", "off").start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            server.close();
          } catch (IOException ignored) {
            // the JVM is exiting
          }
        }));
      }
      String name = "herald_" + UUID.randomUUID().toString().replace("-", "");
      try (Connection c = server.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
        st.execute("CREATE DATABASE " + name);
      }
      return "postgresql://postgres:postgres@localhost:" + server.getPort() + "/" + name;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}

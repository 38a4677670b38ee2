package io.herald.test;

import io.herald.config.ConfigLoader;
import io.herald.config.HeraldConfig;
import io.herald.store.Database;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A throwaway embedded PostgreSQL for one test class: a temporary data directory, a free port, the
 * schema migrated. {@link #restart()} closes the {@link Database} and starts a new one on the same
 * data directory.
 */
public final class TestDatabase implements AutoCloseable {
  private final Vertx vertx;
  private final Path dataDir;
  private final HeraldConfig config;
  private final Map<String, String> settings;
  private Database db;

  private TestDatabase(Vertx vertx, Path dataDir, HeraldConfig config, Map<String, String> settings) {
    this.vertx = vertx;
    this.dataDir = dataDir;
    this.config = config;
    this.settings = settings;
  }

  /**
   * Starts one. {@code overrides} are dotted config keys; {@code settings} extra postgresql.conf
   * settings for the embedded server.
   */
  public static TestDatabase start(Vertx vertx, Map<String, Object> overrides, Map<String, String> settings) {
    Path dir;
    try {
      dir = Files.createTempDirectory("herald-pg-test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Object> o = new HashMap<>();
    o.put("pg.url", "");
    o.put("pg.embedded-data-dir", dir.resolve("pg").toString());
    o.put("pg.embedded-port", 0);
    o.putAll(overrides);
    HeraldConfig config = ConfigLoader.load(Map.of(), Path.of("target/no-config-here"), o);
    TestDatabase t = new TestDatabase(vertx, dir, config, Map.copyOf(settings));
    t.db = Await.result(Database.start(vertx, config, t.settings), 120);
    return t;
  }

  public Database db() {
    return db;
  }

  public HeraldConfig config() {
    return config;
  }

  /**
   * Makes PostgreSQL refuse, as a constraint would, every notification row titled {@code title}
   * (a BEFORE INSERT row trigger raising {@code refused: <title>}) until the result is closed.
   */
  public AutoCloseable refuseNotificationsTitled(String title) {
    Await.result(db.client().query("""
        CREATE FUNCTION test_refuse_title() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.title = '%s' THEN RAISE EXCEPTION 'refused: %s'; END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER test_refuse_title BEFORE INSERT ON notifications
          FOR EACH ROW EXECUTE FUNCTION test_refuse_title();""".formatted(title.replace("'", "''"), title.replace("'", "''")))
        .execute());
    return () -> Await.result(db.client()
        .query("DROP TRIGGER test_refuse_title ON notifications; DROP FUNCTION test_refuse_title()").execute());
  }

  /** Closes the Database (clients and server) and starts a new one on the same data directory. */
  public Database restart() {
    Await.result(db.close(), 60);
    db = Await.result(Database.start(vertx, config, settings), 120);
    return db;
  }

  @Override
  public void close() {
    try {
      Await.result(db.close(), 60);
    } finally {
      deleteTree(dataDir);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: the directory is under the temp dir
    }
  }
}

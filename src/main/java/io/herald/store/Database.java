package io.herald.store;

import io.herald.config.HeraldConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlClient;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's PostgreSQL: starts an embedded server when {@code pg.url} is empty, migrates the
 * schema, and opens the clients the store uses. All blocking work (the embedded server, Flyway's
 * JDBC) runs on worker threads via {@code executeBlocking}, never on an event loop.
 *
 * <p>Two clients share the connect options: {@link #client()} pipelines single statements over
 * {@code pg.pool-size} connections; {@link #pool()} hands out exclusive connections for
 * transactions (a pipelined connection is shared by several callers at once, so it cannot carry a
 * transaction). Neither needs re-creating after a database outage: a broken connection is dropped
 * and the next use connects again.
 */
public final class Database {
  private static final Logger log = LoggerFactory.getLogger(Database.class);
  static final String MIGRATIONS = "classpath:db/migration";
  private static final String EMBEDDED_USER = "postgres";
  private static final String EMBEDDED_DATABASE = "postgres";

  private final Vertx vertx;
  private final HeraldConfig config;
  private final Map<String, String> embeddedSettings;
  private volatile EmbeddedPostgres embedded;
  private volatile int embeddedPort;
  private PgConnectOptions connectOptions;
  private SqlClient client;
  private Pool pool;

  private Database(Vertx vertx, HeraldConfig config, Map<String, String> embeddedSettings) {
    this.vertx = vertx;
    this.config = config;
    this.embeddedSettings = embeddedSettings;
    this.embeddedPort = config.pgEmbeddedPort;
  }

  /** Starts the embedded server if configured, migrates, and opens the clients. */
  public static Future<Database> start(Vertx vertx, HeraldConfig config) {
    return start(vertx, config, Map.of());
  }

  /**
   * As {@link #start(Vertx, HeraldConfig)}; {@code embeddedSettings} are extra postgresql.conf
   * settings for the embedded server (tests).
   */
  public static Future<Database> start(Vertx vertx, HeraldConfig config, Map<String, String> embeddedSettings) {
    Database db = new Database(vertx, config, Map.copyOf(embeddedSettings));
    Future<Void> server = config.pgUrl.isEmpty() ? db.startEmbedded() : Future.succeededFuture();
    return server
        .compose(v -> vertx.executeBlocking(() -> {
          db.connectOptions = db.connectOptions();
          db.migrate();
          return null;
        }, false))
        .map(v -> {
          db.openClients();
          return db;
        })
        .recover(err -> db.close().transform(ignored -> Future.failedFuture(err)));
  }

  /** Single statements, pipelined. */
  public SqlClient client() {
    return client;
  }

  /** Exclusive connections, for transactions. */
  public Pool pool() {
    return pool;
  }

  public boolean embedded() {
    return config.pgUrl.isEmpty();
  }

  /** The embedded server's port, or -1 with an external database. */
  public int embeddedPort() {
    return embedded() ? embeddedPort : -1;
  }

  /**
   * Starts the embedded server on its data directory (created and initialised the first time,
   * reused afterwards) and port. Also used to bring it back after {@link #stopEmbedded()}: the
   * port stays the same, so the open clients reconnect to it.
   */
  public Future<Void> startEmbedded() {
    if (!embedded()) {
      return Future.failedFuture(new IllegalStateException("pg.url is set: no embedded server"));
    }
    return vertx.executeBlocking(() -> {
      synchronized (this) {
        if (embedded == null) {
          Path dir = Path.of(config.pgEmbeddedDataDir).toAbsolutePath();
          Files.createDirectories(dir);
          EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
              .setDataDirectory(dir)
              .setCleanDataDirectory(false)
              .setPort(embeddedPort)
              .setPGStartupWait(Duration.ofSeconds(60))
              // The library starts the server with -F (fsync off) and synchronous_commit off: fast
              // for tests, but an OS crash or power loss could then lose commits Herald answered
              // 202 for. Both are set explicitly (a later -c wins over -F).
              .setServerConfig("fsync", config.pgEmbeddedFsync ? "on" : "off")
              .setServerConfig("synchronous_commit", "on")
              .setServerConfig("listen_addresses", "localhost");
          embeddedSettings.forEach(builder::setServerConfig);
          embedded = builder.start();
          embeddedPort = embedded.getPort();
          log.info("embedded PostgreSQL on port {}, data in {}", embeddedPort, dir);
        }
      }
      return null;
    }, false);
  }

  /** Stops the embedded server (the clients stay open and fail until it is started again). */
  public Future<Void> stopEmbedded() {
    return vertx.executeBlocking(() -> {
      synchronized (this) {
        EmbeddedPostgres server = embedded;
        embedded = null;
        if (server != null) {
          server.close();
        }
      }
      return null;
    }, false);
  }

  /** Closes the clients, then stops the embedded server if there is one. Idempotent. */
  public Future<Void> close() {
    Future<Void> clients = Future.all(
            client == null ? Future.succeededFuture() : client.close(),
            pool == null ? Future.succeededFuture() : pool.close())
        .mapEmpty();
    return clients.eventually(() -> embedded() ? stopEmbedded() : Future.succeededFuture());
  }

  private PgConnectOptions connectOptions() {
    PgConnectOptions options = embedded()
        ? new PgConnectOptions().setHost("localhost").setPort(embeddedPort)
            .setUser(EMBEDDED_USER).setDatabase(EMBEDDED_DATABASE)
        : PgConnectOptions.fromUri(config.pgUrl);
    Map<String, String> properties = new HashMap<>(options.getProperties());
    properties.putIfAbsent("application_name", "herald");
    // The server gives up on a statement at the same bound the client waits for it.
    properties.put("statement_timeout", Integer.toString(config.pgTimeoutMs));
    return options.setProperties(properties).setCachePreparedStatements(true);
  }

  /**
   * Flyway takes a PostgreSQL advisory lock for the whole migration, so several nodes starting at
   * once against one database are safe: one migrates, the others wait and then find nothing to do.
   */
  private void migrate() {
    String jdbcUrl = "jdbc:postgresql://" + connectOptions.getHost() + ":" + connectOptions.getPort() + "/"
        + connectOptions.getDatabase();
    var result = Flyway.configure()
        .dataSource(jdbcUrl, connectOptions.getUser(), connectOptions.getPassword())
        .locations(MIGRATIONS)
        .connectRetries(0)
        .load()
        .migrate();
    log.info("database schema at version {} ({} migration(s) applied)", result.targetSchemaVersion,
        result.migrationsExecuted);
  }

  private void openClients() {
    NetClientOptions transport = new NetClientOptions().setConnectTimeout(config.pgTimeoutMs);
    PoolOptions options = new PoolOptions()
        .setMaxSize(config.pgPoolSize)
        .setConnectionTimeout(config.pgTimeoutMs)
        .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
        .setName("herald-store");
    client = PgBuilder.client().with(options).with(transport).connectingTo(connectOptions).using(vertx).build();
    pool = PgBuilder.pool().with(new PoolOptions(options).setName("herald-store-tx")).with(transport)
        .connectingTo(connectOptions).using(vertx).build();
  }

}

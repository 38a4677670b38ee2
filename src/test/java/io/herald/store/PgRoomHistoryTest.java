package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.test.Await;
import io.herald.test.PgExtension;
import io.herald.test.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("PgRoomHistory on a real PostgreSQL")
class PgRoomHistoryTest {
  @RegisterExtension
  static final PgExtension database = new PgExtension(Map.of(), Map.of("synchronous_commit", "off"));
  static Vertx vertx;
  static TestDatabase pg;
  static PgRoomHistory history;

  @BeforeAll
  static void start() {
    vertx = database.vertx();
    pg = database.pg();
    history = new PgRoomHistory(pg.db(), pg.config().pgTimeoutMs);
  }


  @Test
  @DisplayName("retention keeps each room's newest events within the count; other rooms are untouched")
  void retention() {
    for (int i = 0; i < 5; i++) {
      Await.result(history.insert("course:ret", "e", new JsonObject().put("i", i), "u"));
    }
    Await.result(history.insert("course:other", "e", null, null));
    assertThat(Await.result(history.purge(30, 3))).isEqualTo(2);
    List<RoomEvent> left = Await.result(history.after("course:ret", 0, 100));
    assertThat(left).extracting(e -> ((JsonObject) e.data()).getInteger("i")).containsExactly(2, 3, 4);
    assertThat(Await.result(history.after("course:other", 0, 100))).hasSize(1)
        .first().satisfies(e -> assertThat(e.from()).isNull());
  }
}

package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.cluster.Addresses;
import io.herald.test.Await;
import io.herald.test.PgExtension;
import io.herald.test.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("StoreVerticle: the store over the event bus, health and retention")
class StoreVerticleTest {
  @RegisterExtension
  static final PgExtension database = new PgExtension(Map.of("pg.timeout-ms", 1500, "retention.max-per-user", 3), Map.of());
  static Vertx vertx;
  static TestDatabase pg;
  static PgNotificationStore store;
  static StoreVerticle verticle;

  @BeforeAll
  static void start() {
    vertx = database.vertx();
    pg = database.pg();
    store = new PgNotificationStore(pg.db(), pg.config().pgTimeoutMs);
    verticle = new StoreVerticle(pg.config(), store);
    Await.result(vertx.deployVerticle(verticle));
  }


  static JsonObject request(String address, JsonObject body) {
    return Await.result(vertx.eventBus().<JsonObject>request(address, body)).body();
  }

  static int failureCode(String address, JsonObject body) {
    Throwable err = Await.failure(vertx.eventBus().request(address, body));
    assertThat(err).isInstanceOf(ReplyException.class);
    return ((ReplyException) err).failureCode();
  }

  static List<Long> ids(JsonObject reply) {
    return reply.getJsonArray("items").stream().map(o -> ((JsonObject) o).getLong("id")).toList();
  }

  @Test
  @DisplayName("insert, insert-batch, after, unread, page, mark-*, unread-count round trip as JSON")
  void api() {
    JsonObject first = request(Addresses.STORE_INSERT, new JsonObject()
        .put("userId", "eb-user").put("type", "info").put("title", "Hello").put("message", "m")
        .put("data", new JsonObject().put("k", 1)));
    assertThat(first.getString("event")).isEqualTo("notification");
    assertThat(first.getLong("timestamp")).isPositive();
    assertThat(first.getBoolean("read")).isFalse();

    JsonObject batch = request(Addresses.STORE_INSERT_BATCH, new JsonObject().put("items", new JsonArray()
        .add(new JsonObject().put("userId", "eb-user").put("event", "custom").put("title", "2"))
        .add(new JsonObject().put("userId", "eb-user").put("title", "3"))));
    List<Long> batchIds = ids(batch);
    assertThat(batchIds).hasSize(2);

    JsonObject after = request(Addresses.STORE_AFTER, new JsonObject().put("userId", "eb-user").put("afterId", first.getLong("id")));
    assertThat(ids(after)).containsExactlyElementsOf(batchIds);
    assertThat(after.getJsonArray("items").getJsonObject(0).getString("event")).isEqualTo("custom");

    JsonObject page = request(Addresses.STORE_PAGE, new JsonObject().put("userId", "eb-user").put("limit", 2));
    assertThat(ids(page)).containsExactly(batchIds.get(1), batchIds.get(0));
    assertThat(page.getLong("nextBefore")).isEqualTo(batchIds.get(0));
    JsonObject older = request(Addresses.STORE_PAGE, new JsonObject().put("userId", "eb-user").put("before", page.getLong("nextBefore")));
    assertThat(ids(older)).containsExactly(first.getLong("id"));
    assertThat(older.getValue("nextBefore")).isNull();

    assertThat(request(Addresses.STORE_UNREAD_COUNT, new JsonObject().put("userId", "eb-user")).getLong("count")).isEqualTo(3L);
    assertThat(request(Addresses.STORE_MARK_READ, new JsonObject().put("userId", "eb-user")
        .put("ids", new JsonArray().add(first.getLong("id")))).getInteger("updated")).isEqualTo(1);
    assertThat(ids(request(Addresses.STORE_UNREAD, new JsonObject().put("userId", "eb-user").put("limit", 10))))
        .containsExactlyElementsOf(batchIds);
    assertThat(request(Addresses.STORE_MARK_ONE_READ, new JsonObject().put("userId", "eb-user").put("id", batchIds.get(0)))
        .getBoolean("found")).isTrue();
    assertThat(request(Addresses.STORE_MARK_ONE_READ, new JsonObject().put("userId", "someone-else").put("id", batchIds.get(1)))
        .getBoolean("found")).isFalse();
    assertThat(request(Addresses.STORE_MARK_ALL_READ, new JsonObject().put("userId", "eb-user")).getInteger("updated")).isEqualTo(1);
    assertThat(request(Addresses.STORE_UNREAD_COUNT, new JsonObject().put("userId", "eb-user")).getLong("count")).isZero();
  }

  @Test
  @DisplayName("bad requests fail with 400")
  void badRequests() {
    assertThat(failureCode(Addresses.STORE_INSERT, new JsonObject().put("title", "no user"))).isEqualTo(StoreVerticle.BAD_REQUEST);
    assertThat(failureCode(Addresses.STORE_INSERT, new JsonObject().put("userId", 5))).isEqualTo(StoreVerticle.BAD_REQUEST);
    assertThat(failureCode(Addresses.STORE_INSERT_BATCH, new JsonObject().put("items", new JsonArray().add("x"))))
        .isEqualTo(StoreVerticle.BAD_REQUEST);
    assertThat(failureCode(Addresses.STORE_AFTER, new JsonObject().put("userId", "u").put("limit", "ten")))
        .isEqualTo(StoreVerticle.BAD_REQUEST);
    assertThat(failureCode(Addresses.STORE_PAGE, new JsonObject().put("userId", "u").put("limit", 0)))
        .isEqualTo(StoreVerticle.BAD_REQUEST);
    assertThat(failureCode(Addresses.STORE_MARK_READ, new JsonObject().put("userId", "u").put("ids", new JsonArray().add("1"))))
        .isEqualTo(StoreVerticle.BAD_REQUEST);
    assertThat(failureCode(Addresses.STORE_MARK_ONE_READ, new JsonObject().put("userId", "u"))).isEqualTo(StoreVerticle.BAD_REQUEST);
    assertThat(failureCode(Addresses.STORE_UNREAD_COUNT, new JsonObject())).isEqualTo(StoreVerticle.BAD_REQUEST);
  }

  @Test
  @DisplayName("database down: requests fail with 503 and available() turns false; back up: both recover")
  void unavailable() {
    assertThat(verticle.available()).isTrue();
    Await.result(pg.db().stopEmbedded(), 30);
    try {
      assertThat(failureCode(Addresses.STORE_UNREAD_COUNT, new JsonObject().put("userId", "u"))).isEqualTo(StoreVerticle.UNAVAILABLE);
      assertThat(verticle.available()).isFalse();
    } finally {
      Await.result(pg.db().startEmbedded(), 60);
    }
    // The periodic probe notices by itself, without a request.
    Await.result(until(() -> Future.succeededFuture(verticle.available())), 10);
    assertThat(request(Addresses.STORE_UNREAD_COUNT, new JsonObject().put("userId", "u")).getLong("count")).isZero();
  }

  @Test
  @DisplayName("retention: of two nodes racing for an interval exactly one purges, and it keeps max-per-user")
  void retention() {
    Await.result(store.insertBatch(IntStream.range(0, 5)
        .mapToObj(i -> NewNotification.of("u-retained", "t", "n" + i, null, null)).toList()));
    PgNotificationStore otherNode = new PgNotificationStore(pg.db(), pg.config().pgTimeoutMs);
    // Clear any claim made by the verticle's own first run, then race two claims.
    Await.result(pg.db().client().query("UPDATE store_jobs SET last_run = '-infinity'").execute());
    List<Boolean> claims = Await.result(Future.all(
            store.claim(StoreVerticle.RETENTION_JOB, 60_000), otherNode.claim(StoreVerticle.RETENTION_JOB, 60_000)))
        .list();
    assertThat(claims).containsExactlyInAnyOrder(true, false);

    assertThat(Await.result(verticle.runRetention())).as("claimed a moment ago: this node skips").isEqualTo(-1);
    Await.result(pg.db().client().query("UPDATE store_jobs SET last_run = '-infinity'").execute());
    assertThat(Await.result(verticle.runRetention())).isGreaterThanOrEqualTo(2);
    assertThat(Await.result(store.after("u-retained", 0, 100))).extracting(StoredNotification::title)
        .containsExactly("n2", "n3", "n4");
  }

  /** Completes when {@code check} yields true, re-checking every 50 ms. */
  static Future<Void> until(Supplier<Future<Boolean>> check) {
    return check.get().compose(done -> done ? Future.succeededFuture() : vertx.timer(50).compose(t -> until(check)));
  }
}

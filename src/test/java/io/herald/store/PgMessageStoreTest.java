package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.test.Await;
import io.herald.test.PgExtension;
import io.herald.test.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("PgMessageStore on a real PostgreSQL")
class PgMessageStoreTest {
  static final long WINDOW = 300_000;
  @RegisterExtension
  static final PgExtension database = new PgExtension(Map.of(), Map.of("synchronous_commit", "off"));
  static Vertx vertx;
  static TestDatabase pg;
  /** Two stores on one pool (pg.pool-size connections): their transactions run at the same time, as two nodes' would. */
  static PgMessageStore nodeA;
  static PgMessageStore nodeB;

  @BeforeAll
  static void start() {
    vertx = database.vertx();
    pg = database.pg();
    nodeA = new PgMessageStore(pg.db(), pg.config().pgTimeoutMs);
    nodeB = new PgMessageStore(pg.db(), pg.config().pgTimeoutMs);
  }


  @Test
  @DisplayName("40 concurrent sends of one clientMessageId through two stores store one message; every caller gets its id")
  void duplicateRace() {
    List<Future<PgMessageStore.Sent>> sends = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      PgMessageStore node = i % 2 == 0 ? nodeA : nodeB;
      sends.add(node.send("race-a", "race-b", "hello", "client-1", WINDOW));
    }
    Await.result(Future.all(sends));
    Set<Long> ids = new HashSet<>();
    int fresh = 0;
    for (Future<PgMessageStore.Sent> f : sends) {
      ids.add(f.result().message().id());
      fresh += f.result().duplicate() ? 0 : 1;
    }
    assertThat(ids).hasSize(1);
    assertThat(fresh).isEqualTo(1);
    JsonObject history = Await.result(nodeA.history("race-b", "race-a", null, 100));
    assertThat(history.getJsonArray("items")).hasSize(1);
  }

  @Test
  @DisplayName("two users messaging each other at once through two stores never deadlock; each user's delivery rows are in commit order")
  void crossTraffic() {
    List<Future<PgMessageStore.Sent>> sends = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      boolean ab = i % 2 == 0;
      sends.add((ab ? nodeA : nodeB).send(ab ? "x-a" : "x-b", ab ? "x-b" : "x-a", "m" + i, null, WINDOW));
    }
    Await.result(Future.all(sends));
    JsonObject conv = Await.result(nodeA.conversations("x-a", null, 10)).getJsonArray("items").getJsonObject(0);
    assertThat(conv.getLong("unread")).isEqualTo(30);
    PgNotificationStore notifications = new PgNotificationStore(pg.db(), pg.config().pgTimeoutMs);
    List<StoredNotification> rows = Await.result(notifications.after("x-a", 0, 1000));
    assertThat(rows).hasSize(60).allMatch(StoredNotification::read, "delivery rows do not count as unread notifications");
    assertThat(Await.result(notifications.unreadCount("x-a"))).isZero();
  }

  @Test
  @DisplayName("the window: a clientMessageId older than it is a new message")
  void windowExpires() {
    long first = Await.result(nodeA.send("w-a", "w-b", "one", "same", WINDOW)).message().id();
    Await.result(vertx.timer(30));
    PgMessageStore.Sent later = Await.result(nodeA.send("w-a", "w-b", "one", "same", 10));
    assertThat(later.duplicate()).isFalse();
    assertThat(later.message().id()).isNotEqualTo(first);
  }

  @Test
  @DisplayName("two pairs whose ids make the same conversation id (cm:n with cp, cm with n:cp) never see each other's messages")
  void colonsInUserIds() {
    Await.result(nodeA.send("cm:n", "cp", "for cp", null, WINDOW));
    Await.result(nodeA.send("cm", "n:cp", "for n:cp", null, WINDOW));
    assertThat(DirectMessage.conversationOf("cm:n", "cp")).isEqualTo(DirectMessage.conversationOf("cm", "n:cp"));
    JsonObject seen = Await.result(nodeA.history("cm", "n:cp", null, 100));
    assertThat(seen.getJsonArray("items")).hasSize(1);
    assertThat(seen.getJsonArray("items").getJsonObject(0).getString("content")).isEqualTo("for n:cp");
  }
}

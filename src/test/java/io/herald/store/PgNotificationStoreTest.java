package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.test.Await;
import io.herald.test.PgExtension;
import io.herald.test.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("PgNotificationStore on a real PostgreSQL")
class PgNotificationStoreTest {
  // track_commit_timestamp lets the ordering test compare id order with commit order;
  // synchronous_commit off keeps 1,000 serialised commits fast on a slow disk.
  @RegisterExtension
  static final PgExtension database = new PgExtension(Map.of(),
      Map.of("track_commit_timestamp", "on", "synchronous_commit", "off"));
  static Vertx vertx;
  static TestDatabase pg;
  static PgNotificationStore store;

  @BeforeAll
  static void start() {
    vertx = database.vertx();
    pg = database.pg();
    store = new PgNotificationStore(pg.db(), pg.config().pgTimeoutMs);
  }


  private static StoredNotification insert(String user, String title) {
    return Await.result(store.insert(NewNotification.of(user, "info", title, "msg " + title, new JsonObject().put("t", title))));
  }

  private static List<Long> ids(List<StoredNotification> list) {
    return list.stream().map(StoredNotification::id).toList();
  }

  @Test
  @DisplayName("insert stores every field; after() replays it with its JSON form")
  void insertAndAfter() {
    StoredNotification n = Await.result(store.insert(new NewNotification("u-ins", null, "order", "Shipped",
        "Your order shipped", new JsonObject().put("orderId", 42).put("tags", new JsonArray().add("a")))));
    assertThat(n.id()).isPositive();
    assertThat(n.event()).isEqualTo(NewNotification.DEFAULT_EVENT);
    assertThat(n.read()).isFalse();
    assertThat(n.timestamp()).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));

    List<StoredNotification> replay = Await.result(store.after("u-ins", 0, 10));
    assertThat(replay).containsExactly(n);
    JsonObject json = replay.get(0).toJson();
    assertThat(json.fieldNames()).containsExactlyInAnyOrder(
        "id", "userId", "event", "type", "title", "message", "data", "timestamp", "read");
    assertThat(json.getJsonObject("data")).isEqualTo(new JsonObject().put("orderId", 42).put("tags", new JsonArray().add("a")));
    assertThat(StoredNotification.fromJson(json)).isEqualTo(n);
  }

  @Test
  @DisplayName("an insert brings back its user's unread count, exact even when 200 inserts of one user race")
  void insertCounted() {
    String user = "u-counted";
    insert(user, "before");
    Await.result(store.markAllRead(user));
    insert(user, "unread-1");
    List<Future<NotificationStore.Counted>> racing = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      racing.add(store.insertCounted(NewNotification.of(user, "info", "t" + i, "m", null)));
      racing.add(store.insertCounted(NewNotification.of(user + "-other", "info", "t" + i, "m", null)));
    }
    Await.result(Future.all(racing));
    // Per-user ids commit in order, so the n-th of this user's inserts by id sees exactly n unread
    // (one before the race, plus itself and those committed before it).
    List<NotificationStore.Counted> mine = racing.stream().map(Future::result)
        .filter(c -> c.item().userId().equals(user))
        .sorted(java.util.Comparator.comparingLong(c -> c.item().id()))
        .toList();
    for (int i = 0; i < mine.size(); i++) {
      assertThat(mine.get(i).unread()).as("count of the %d-th insert", i).isEqualTo(i + 2);
    }
    assertThat(Await.result(store.unreadCount(user))).isEqualTo(201);
    List<NotificationStore.Counted> batch = Await.result(store.insertBatchCounted(List.of(
        NewNotification.of(user, "info", "b1", "m", null), NewNotification.of("u-counted-new", "info", "b2", "m", null))));
    assertThat(batch).extracting(NotificationStore.Counted::unread).containsExactly(202L, 1L);
  }

  @Test
  @DisplayName("custom events, scalar data and null data are stored as given")
  void customEventsAndData() {
    StoredNotification custom = Await.result(store.insert(new NewNotification("u-ev", "order.updated", null, null, null, "plain")));
    StoredNotification array = Await.result(store.insert(new NewNotification("u-ev", "x", null, null, null, new JsonArray().add(1))));
    StoredNotification none = Await.result(store.insert(new NewNotification("u-ev", "x", null, null, null, null)));
    List<StoredNotification> all = Await.result(store.after("u-ev", 0, 10));
    assertThat(all).containsExactly(custom, array, none);
    assertThat(all.get(0).event()).isEqualTo("order.updated");
    assertThat(all.get(0).data()).isEqualTo("plain");
    assertThat(all.get(1).data()).isEqualTo(new JsonArray().add(1));
    assertThat(all.get(2).data()).isNull();
  }

  @Test
  @DisplayName("after() is ascending, exclusive and limited")
  void afterPaging() {
    List<Long> ids = IntStream.range(0, 5).mapToObj(i -> insert("u-after", "n" + i).id()).toList();
    assertThat(ids(Await.result(store.after("u-after", 0, 3)))).containsExactlyElementsOf(ids.subList(0, 3));
    assertThat(ids(Await.result(store.after("u-after", ids.get(2), 100)))).containsExactlyElementsOf(ids.subList(3, 5));
    assertThat(Await.result(store.after("u-after", ids.get(4), 100))).isEmpty();
  }

  @Test
  @DisplayName("a batch is stored in input order, for several users, in one go")
  void batch() {
    List<NewNotification> batch = List.of(
        NewNotification.of("u-b1", "t", "1", null, null),
        NewNotification.of("u-b2", "t", "2", null, null),
        NewNotification.of("u-b1", "t", "3", null, null));
    List<StoredNotification> stored = Await.result(store.insertBatch(batch));
    assertThat(stored).extracting(StoredNotification::title).containsExactly("1", "2", "3");
    assertThat(stored.get(0).id()).isLessThan(stored.get(2).id());
    assertThat(Await.result(store.after("u-b1", 0, 10))).containsExactly(stored.get(0), stored.get(2));
    assertThat(Await.result(store.after("u-b2", 0, 10))).containsExactly(stored.get(1));
    assertThat(Await.result(store.insertBatch(List.of()))).isEmpty();
  }

  @Test
  @DisplayName("a batch that fails part-way stores nothing")
  void batchAllOrNothing() throws Exception {
    // the database refuses the third row inside the statement, as a constraint would
    List<NewNotification> batch = List.of(
        NewNotification.of("u-atomic", "t", "ok-1", null, null),
        NewNotification.of("u-atomic", "t", "ok-2", null, null),
        NewNotification.of("u-atomic", "t", "poison", null, null));
    try (AutoCloseable refusing = pg.refuseNotificationsTitled("poison")) {
      assertThat(Await.failure(store.insertBatch(batch))).hasMessageContaining("refused: poison");
    }
    assertThat(Await.result(store.after("u-atomic", 0, 10))).isEmpty();
  }

  @Test
  @DisplayName("unread() returns the newest unread, ascending")
  void unread() {
    List<StoredNotification> all = IntStream.range(0, 6).mapToObj(i -> insert("u-unread", "n" + i)).toList();
    Await.result(store.markOneRead("u-unread", all.get(5).id()));
    List<StoredNotification> newest = Await.result(store.unread("u-unread", 3));
    assertThat(ids(newest)).containsExactly(all.get(2).id(), all.get(3).id(), all.get(4).id());
  }

  @Test
  @DisplayName("page() walks history newest first and ends with nextBefore null; limit is capped at 100")
  void pages() {
    List<Long> ids = ids(Await.result(store.insertBatch(IntStream.range(0, 105)
        .mapToObj(i -> NewNotification.of("u-page", "t", "n" + i, null, null)).toList())));
    List<Long> newestFirst = new ArrayList<>(ids);
    java.util.Collections.reverse(newestFirst);

    Page first = Await.result(store.page("u-page", null, 40));
    assertThat(ids(first.items())).containsExactlyElementsOf(newestFirst.subList(0, 40));
    assertThat(first.nextBefore()).isEqualTo(newestFirst.get(39));
    Page second = Await.result(store.page("u-page", first.nextBefore(), 40));
    assertThat(ids(second.items())).containsExactlyElementsOf(newestFirst.subList(40, 80));
    Page last = Await.result(store.page("u-page", second.nextBefore(), 40));
    assertThat(ids(last.items())).containsExactlyElementsOf(newestFirst.subList(80, 105));
    assertThat(last.nextBefore()).isNull();

    Page capped = Await.result(store.page("u-page", null, 1000));
    assertThat(capped.items()).hasSize(NotificationStore.MAX_PAGE);
    assertThat(capped.nextBefore()).isNotNull();
    assertThat(Page.fromJson(capped.toJson())).isEqualTo(capped);
    assertThat(Await.result(store.page("u-page-none", null, 10))).isEqualTo(new Page(List.of(), null));
  }

  @Test
  @DisplayName("markRead, markAllRead, markOneRead and unreadCount")
  void readState() {
    List<Long> ids = IntStream.range(0, 5).mapToObj(i -> insert("u-read", "n" + i).id()).toList();
    assertThat(Await.result(store.unreadCount("u-read"))).isEqualTo(5L);
    assertThat(Await.result(store.markRead("u-read", List.of(ids.get(0), ids.get(1))))).isEqualTo(2);
    assertThat(Await.result(store.markRead("u-read", List.of(ids.get(0), ids.get(2))))).isEqualTo(1);
    assertThat(Await.result(store.unreadCount("u-read"))).isEqualTo(2L);
    assertThat(Await.result(store.markOneRead("u-read", ids.get(3)))).isTrue();
    assertThat(Await.result(store.markOneRead("u-read", ids.get(3)))).as("already read, still the user's").isTrue();
    assertThat(Await.result(store.markAllRead("u-read"))).isEqualTo(1);
    assertThat(Await.result(store.unreadCount("u-read"))).isZero();
    assertThat(Await.result(store.after("u-read", 0, 10))).allMatch(StoredNotification::read);
    assertThat(Await.result(store.markRead("u-read", List.of()))).isZero();
  }

  @Test
  @DisplayName("a user can neither read nor mark another user's notifications")
  void isolation() {
    StoredNotification alices = insert("alice", "secret");
    assertThat(Await.result(store.markOneRead("mallory", alices.id()))).isFalse();
    assertThat(Await.result(store.markRead("mallory", List.of(alices.id())))).isZero();
    Await.result(store.markAllRead("mallory"));
    assertThat(Await.result(store.after("mallory", 0, 100))).isEmpty();
    assertThat(Await.result(store.page("mallory", null, 100)).items()).isEmpty();
    assertThat(Await.result(store.unread("mallory", 100))).isEmpty();
    assertThat(Await.result(store.unreadCount("alice"))).isEqualTo(1L);
    assertThat(Await.result(store.after("alice", 0, 10))).containsExactly(alices);
  }

  @Test
  @DisplayName("bad arguments fail with IllegalArgumentException")
  void badArguments() {
    assertThat(Await.failure(store.after("", 0, 10))).isInstanceOf(IllegalArgumentException.class);
    assertThat(Await.failure(store.page("u", null, 0))).isInstanceOf(IllegalArgumentException.class);
    assertThat(Await.failure(store.unread("u", -1))).isInstanceOf(IllegalArgumentException.class);
    assertThat(Await.failure(store.purge(0, 10))).isInstanceOf(IllegalArgumentException.class);
  }

  /** What the kept counter should say: the unread rows, counted. */
  private static long countedUnread(String user) {
    return Await.result(pg.db().client().preparedQuery("SELECT count(*) FROM notifications WHERE user_id = $1 AND NOT read")
        .execute(Tuple.of(user)).map(rows -> rows.iterator().next().getLong(0)));
  }

  @Test
  @DisplayName("the kept unread counts equal the unread rows after inserts, batches, every mark-read, already-read rows and the purge, also when they run at once")
  void keptUnreadCountsStayExact() {
    List<String> users = List.of("kc-1", "kc-2", "kc-3");
    List<Future<?>> ops = new ArrayList<>();
    for (int i = 0; i < 90; i++) {
      String u = users.get(i % 3);
      ops.add(store.insertCounted(NewNotification.of(u, "info", "t" + i, "m", null)));
      if (i % 10 == 0) {
        ops.add(store.insertBatchCounted(List.of(NewNotification.of("kc-1", "info", "b" + i, "m", null),
            NewNotification.of("kc-2", "info", "b" + i, "m", null), NewNotification.of("kc-3", "info", "b" + i, "m", null))));
      }
      if (i % 17 == 0) {
        ops.add(store.markAllRead(u));
      }
    }
    Await.result(Future.join(ops));
    for (String u : users) {
      assertThat(Await.result(store.unreadCount(u))).as(u).isEqualTo(countedUnread(u));
    }
    // mark some read by id (twice: the second changes nothing), one by one, and one already read
    List<StoredNotification> unread = Await.result(store.unread("kc-1", 100));
    List<Long> some = ids(unread.subList(0, Math.min(5, unread.size())));
    Await.result(Future.join(store.markRead("kc-1", some), store.markRead("kc-1", some)));
    long one = unread.get(unread.size() - 1).id();
    Await.result(store.markOneRead("kc-1", one));
    Await.result(store.markOneRead("kc-1", one));
    assertThat(Await.result(store.unreadCount("kc-1"))).isEqualTo(countedUnread("kc-1"));
    // rows stored already read (a direct message's delivery rows) do not count
    long before = Await.result(store.unreadCount("kc-2"));
    Await.result(new PgMessageStore(pg.db(), pg.config().pgTimeoutMs).send("kc-3", "kc-2", "hi", null, 1000));
    assertThat(Await.result(store.unreadCount("kc-2"))).isEqualTo(before).isEqualTo(countedUnread("kc-2"));
    // the purge deletes unread rows too
    Await.result(pg.db().client().query("UPDATE notifications SET created_at = created_at - interval '40 days'"
        + " WHERE user_id = 'kc-3' AND id % 2 = 0").execute());
    Await.result(store.purge(30, 10_000));
    assertThat(Await.result(store.unreadCount("kc-3"))).isEqualTo(countedUnread("kc-3"));
    assertThat(Await.result(store.unreadCount("kc-nobody"))).isZero();
  }

  @Test
  @DisplayName("purge keeps each user's newest max-per-user and drops what is older than max-age-days")
  void purge() {
    List<Long> many = ids(Await.result(store.insertBatch(IntStream.range(0, 8)
        .mapToObj(i -> NewNotification.of("u-purge-many", "t", "n" + i, null, null)).toList())));
    List<Long> old = ids(Await.result(store.insertBatch(IntStream.range(0, 2)
        .mapToObj(i -> NewNotification.of("u-purge-old", "t", "n" + i, null, null)).toList())));
    // Age the first of u-purge-old's notifications by 40 days.
    Await.result(pg.db().client().preparedQuery("UPDATE notifications SET created_at = created_at - interval '40 days' WHERE id = $1")
        .execute(Tuple.of(old.get(0))));

    int deleted = Await.result(store.purge(30, 5));
    assertThat(deleted).isGreaterThanOrEqualTo(3 + 1);
    assertThat(ids(Await.result(store.after("u-purge-many", 0, 100)))).containsExactlyElementsOf(many.subList(3, 8));
    assertThat(ids(Await.result(store.after("u-purge-old", 0, 100)))).containsExactly(old.get(1));
    assertThat(Await.result(store.purge(30, 5))).as("a second run finds nothing").isZero();
  }

  @Test
  @DisplayName("1,000 concurrent inserts for one user: id order is commit order, replay has no gaps or duplicates")
  void concurrentInsertsKeepCommitOrder() {
    String user = "u-concurrent";
    int count = 1000;
    // A reader replays with after(lastSeen) while the inserts run: if a higher id could commit before
    // a lower one, the reader would step past the lower one and miss it.
    Future<List<Long>> replayed = vertx.executeBlocking(() -> null).compose(v -> replay(user, 0, new ArrayList<>(), count));
    List<Future<StoredNotification>> inserts = new ArrayList<>();
    // Callers on several contexts, so the inserts really race over the pool's connections.
    for (int c = 0; c < 4; c++) {
      int caller = c;
      Promise<List<Future<StoredNotification>>> issued = Promise.promise();
      vertx.getOrCreateContext().runOnContext(v -> {
        List<Future<StoredNotification>> mine = new ArrayList<>();
        for (int i = caller; i < count; i += 4) {
          mine.add(store.insert(NewNotification.of(user, "t", "n" + i, null, null)));
        }
        issued.complete(mine);
      });
      inserts.addAll(Await.result(issued.future()));
    }
    Await.result(Future.all(inserts), 60);
    List<Long> insertedIds = inserts.stream().map(f -> f.result().id()).sorted().toList();
    assertThat(insertedIds).doesNotHaveDuplicates().hasSize(count);

    List<Long> seen = Await.result(replayed, 60);
    assertThat(seen).as("replay saw every id once, ascending").containsExactlyElementsOf(insertedIds);

    List<Row> commits = new ArrayList<>();
    Await.result(pg.db().client().preparedQuery(
            "SELECT id, pg_xact_commit_timestamp(xmin) AS committed FROM notifications WHERE user_id = $1 ORDER BY id")
        .execute(Tuple.of(user))).forEach(commits::add);
    for (int i = 1; i < commits.size(); i++) {
      OffsetDateTime before = commits.get(i - 1).getOffsetDateTime("committed");
      OffsetDateTime after = commits.get(i).getOffsetDateTime("committed");
      assertThat(after).as("commit of id %d vs id %d", commits.get(i).getLong("id"), commits.get(i - 1).getLong("id"))
          .isAfterOrEqualTo(before);
    }
  }

  /** Polls after(lastSeen) until {@code count} ids were seen; fails the test on a gap by timing out. */
  private static Future<List<Long>> replay(String user, long lastSeen, List<Long> seen, int count) {
    if (seen.size() >= count) {
      return Future.succeededFuture(seen);
    }
    return store.after(user, lastSeen, 100).compose(batch -> {
      batch.forEach(n -> seen.add(n.id()));
      long last = batch.isEmpty() ? lastSeen : batch.get(batch.size() - 1).id();
      return replay(user, last, seen, count);
    });
  }
}

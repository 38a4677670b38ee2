package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.store.NotificationStore.Counted;
import io.herald.test.Await;
import io.herald.test.PgExtension;
import io.herald.test.TestDatabase;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Group commit on a real PostgreSQL: each test wraps the real store's batch insert only to record
 * the batches it is given (and, in two tests, to refuse one), and drives {@link GroupCommit} from
 * one Vert.x context as the store verticle does.
 */
@DisplayName("GroupCommit: concurrent notifications share statements, keeping every promise of the store")
class GroupCommitTest {
  @RegisterExtension
  static final PgExtension database = new PgExtension(Map.of(), Map.of("synchronous_commit", "off"));
  static Vertx vertx;
  static TestDatabase pg;
  static PgNotificationStore store;

  @BeforeAll
  static void start() {
    vertx = database.vertx();
    pg = database.pg();
    store = new PgNotificationStore(pg.db(), pg.config().pgTimeoutMs);
  }


  /** The real batch insert, recording the size of every batch it is given. */
  private static Function<List<NewNotification>, Future<List<Counted>>> recording(List<Integer> sizes) {
    return batch -> {
      sizes.add(batch.size());
      return store.insertBatchCounted(batch);
    };
  }

  /** Runs {@code body} on one context (the store verticle's situation) and waits for its future. */
  private static <T> T onContext(Context ctx, Supplier<Future<T>> body) {
    Promise<T> p = Promise.promise();
    ctx.runOnContext(v -> body.get().onComplete(p));
    return Await.result(p.future());
  }

  @Test
  @DisplayName("600 inserts at once for 6 users go in far fewer statements; per user, ids follow commit order and counts are exact")
  void gathersUnderLoad() {
    List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
    GroupCommit gc = new GroupCommit(recording(sizes), 2, 50, 10_000);
    List<String> users = List.of("gc-a", "gc-b", "gc-c", "gc-d", "gc-e", "gc-f");
    List<Counted> all = onContext(vertx.getOrCreateContext(), () -> {
      List<Future<Counted>> futures = new ArrayList<>();
      for (int i = 0; i < 600; i++) {
        futures.add(gc.insert(NewNotification.of(users.get(i % 6), "info", "t" + i, "m", null)));
      }
      return Future.all(futures).map(cf -> cf.<Counted>list());
    });
    assertThat(all).hasSize(600);
    assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(600);
    assertThat(sizes).as("statements for 600 inserts").hasSizeLessThan(30);
    assertThat(sizes).allMatch(n -> n <= 50);
    for (String u : users) {
      List<Counted> mine = all.stream().filter(c -> c.item().userId().equals(u))
          .sorted(Comparator.comparingLong(c -> c.item().id())).toList();
      for (int i = 0; i < mine.size(); i++) {
        assertThat(mine.get(i).unread()).as("%s: count of its %d-th notification by id", u, i).isEqualTo(i + 1);
      }
      assertThat(Await.result(store.unreadCount(u))).isEqualTo(100);
      assertThat(Await.result(store.after(u, 0, 1000))).extracting(StoredNotification::id)
          .containsExactlyElementsOf(mine.stream().map(c -> c.item().id()).toList());
    }
    assertThat(gc.queued()).isZero();
  }

  @Test
  @DisplayName("at low load an insert leaves at once, in a statement of its own")
  void aloneAtLowLoad() {
    List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
    GroupCommit gc = new GroupCommit(recording(sizes), 2, 50, 10_000);
    Context ctx = vertx.getOrCreateContext();
    for (int i = 0; i < 3; i++) {
      int n = i;
      Counted c = onContext(ctx, () -> gc.insert(NewNotification.of("gc-low", "info", "t" + n, "m", null)));
      assertThat(c.unread()).isEqualTo(n + 1);
    }
    assertThat(sizes).containsExactly(1, 1, 1);
  }

  @Test
  @DisplayName("a batch the database refuses because of one item stores the others and fails only that one")
  void oneRefusedItem() throws Exception {
    // the database refuses one row, as a constraint would: the whole statement fails
    try (AutoCloseable refusing = pg.refuseNotificationsTitled("poison")) {
      List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
      GroupCommit gc = new GroupCommit(recording(sizes), 1, 50, 10_000);
      List<Future<Counted>> futures = new ArrayList<>();
      onContext(vertx.getOrCreateContext(), () -> {
        for (int i = 0; i < 20; i++) {
          futures.add(gc.insert(NewNotification.of("gc-poison", "info", i == 7 ? "poison" : "t" + i, "m", null)));
        }
        return Future.join(futures).otherwiseEmpty();
      });
      assertThat(sizes).as("one alone, then 19 together, then each of those alone").startsWith(1, 19).contains(1);
      assertThat(futures.get(7).cause()).hasMessageContaining("refused: poison");
      assertThat(futures.stream().filter(Future::succeeded)).hasSize(19);
      assertThat(Await.result(store.after("gc-poison", 0, 100))).hasSize(19)
          .extracting(StoredNotification::title).doesNotContain("poison");
      assertThat(Await.result(store.unreadCount("gc-poison"))).isEqualTo(19);
    }
  }

  @Test
  @DisplayName("a batch that fails because the database is unavailable fails its own items only")
  void unavailableBatchFailsItsOwn() {
    List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
    Function<List<NewNotification>, Future<List<Counted>>> real = recording(sizes);
    int[] calls = {0};
    GroupCommit gc = new GroupCommit(batch -> calls[0]++ == 0
        ? Future.failedFuture(new StoreUnavailableException("database unreachable", null))
        : real.apply(batch), 1, 50, 10_000);
    List<Future<Counted>> futures = new ArrayList<>();
    onContext(vertx.getOrCreateContext(), () -> {
      for (int i = 0; i < 10; i++) {
        futures.add(gc.insert(NewNotification.of("gc-down", "info", "t" + i, "m", null)));
      }
      return Future.join(futures).otherwiseEmpty();
    });
    // the first insert left alone and failed; the others were not in its batch and are stored
    assertThat(futures.get(0).cause()).isInstanceOf(StoreUnavailableException.class);
    assertThat(futures.subList(1, 10)).allMatch(Future::succeeded);
    assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(9);
    assertThat(Await.result(store.after("gc-down", 0, 100))).hasSize(9);
  }

  @Test
  @DisplayName("past the queue bound one more insert is refused at once as unavailable, and nothing queued is lost")
  void boundedQueue() {
    List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
    GroupCommit gc = new GroupCommit(recording(sizes), 1, 50, 5);
    List<Future<Counted>> futures = new ArrayList<>();
    onContext(vertx.getOrCreateContext(), () -> {
      for (int i = 0; i < 8; i++) { // 1 in flight, 5 queued, 2 refused
        futures.add(gc.insert(NewNotification.of("gc-bound", "info", "t" + i, "m", null)));
      }
      return Future.join(futures).otherwiseEmpty();
    });
    assertThat(futures.subList(0, 6)).allMatch(Future::succeeded);
    assertThat(futures.subList(6, 8)).allSatisfy(f -> {
      assertThat(f.cause()).isInstanceOf(StoreUnavailableException.class);
      assertThat(f.cause().getMessage()).contains("overloaded");
    });
    assertThat(Await.result(store.unreadCount("gc-bound"))).isEqualTo(6);
  }
}

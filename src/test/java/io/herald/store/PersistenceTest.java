package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.Await;
import io.herald.test.Producer;
import io.herald.test.Http;
import io.herald.test.Http.Response;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("notifications are stored before delivery: history, unread, replay")
class PersistenceTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode node;
  static int port;
  static final String SERVICE = Tokens.service();

  @BeforeAll
  static void start() {
    node = nodes.start();
    port = node.httpPort();
  }

  static String user() {
    return "p" + ThreadLocalRandom.current().nextInt(1_000_000_000);
  }

  static long notify(String user, String title) {
    return Producer.notify(port, new JsonObject().put("userId", user).put("type", "info").put("title", title)
        .put("message", "m-" + title));
  }

  @Test
  @DisplayName("POST /api/notifications answers 202 {id}; the socket frame carries the stored fields")
  void storedFrame() {
    String u = user();
    try (TestSocket s = TestSocket.connect(port, Tokens.user(u))) {
      long id = notify(u, "hello");
      JsonObject f = s.expect("notification");
      assertThat(f.getLong("notificationId")).isEqualTo(id);
      JsonObject data = f.getJsonObject("data");
      assertThat(data.getLong("id")).isEqualTo(id);
      assertThat(data.getString("userId")).isEqualTo(u);
      assertThat(data.getString("type")).isEqualTo("info");
      assertThat(data.getString("title")).isEqualTo("hello");
      assertThat(data.getString("message")).isEqualTo("m-hello");
      assertThat(data.getLong("timestamp")).isPositive();
      assertThat(data.getBoolean("read")).isFalse();
      assertThat(s.expect("unread_count").getJsonObject("data").getLong("count")).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("an offline user gets what was stored while away, then the unread count")
  void offlineThenConnect() {
    String u = user();
    long a = notify(u, "a");
    long b = notify(u, "b");
    try (TestSocket s = TestSocket.open(port, "/ws?token=" + Tokens.user(u))) {
      s.expect("connected");
      assertThat(s.expect("notification").getLong("notificationId")).isEqualTo(a);
      assertThat(s.expect("notification").getLong("notificationId")).isEqualTo(b);
      assertThat(s.expect("unread_count").getJsonObject("data").getLong("count")).isEqualTo(2);
    }
  }

  @Test
  @DisplayName("history, unread count and mark-read through the socket")
  void socketHistory() {
    String u = user();
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(notify(u, "n" + i));
    }
    try (TestSocket s = TestSocket.connect(port, Tokens.user(u))) {
      JsonObject page = s.request("get-notifications", new JsonObject().put("limit", 3)).getJsonObject("data");
      JsonArray items = page.getJsonArray("items");
      assertThat(items).hasSize(3);
      assertThat(items.getJsonObject(0).getLong("id")).isEqualTo(ids.get(4));
      JsonObject rest = s.request("get-notifications", new JsonObject().put("before", page.getLong("nextBefore")).put("limit", 1000))
          .getJsonObject("data");
      assertThat(rest.getJsonArray("items")).hasSize(2);
      assertThat(rest.getValue("nextBefore")).isNull();

      JsonObject marked = s.request("mark-read", new JsonObject().put("ids", new JsonArray().add(ids.get(0)).add(ids.get(1))));
      assertThat(marked.getString("event")).isEqualTo("marked-read");
      assertThat(marked.getJsonObject("data").getInteger("updated")).isEqualTo(2);
      assertThat(s.expect("unread_count").getJsonObject("data").getLong("count")).isEqualTo(3);
      assertThat(s.request("get-unread-count", new JsonObject()).getJsonObject("data").getLong("count")).isEqualTo(3);
      assertThat(s.request("mark-all-read", new JsonObject()).getString("event")).isEqualTo("marked-read");
      assertThat(s.expect("unread_count").getJsonObject("data").getLong("count")).isZero();
      assertThat(s.request("mark-read", new JsonObject().put("ids", "x")).getJsonObject("data").getString("code")).isEqualTo("BAD_REQUEST");
    }
  }

  @Test
  @DisplayName("history, unread count and mark-read through REST, scoped to the token's user")
  void restHistoryAndIsolation() {
    String u = user();
    String other = user();
    long mine = notify(u, "mine");
    long theirs = notify(other, "theirs");
    String token = Tokens.user(u);
    JsonObject page = Http.get(port, "/api/notifications?limit=10", token).json();
    assertThat(page.getJsonArray("items")).hasSize(1);
    assertThat(page.getJsonArray("items").getJsonObject(0).getLong("id")).isEqualTo(mine);
    assertThat(Http.get(port, "/api/notifications/unread-count", token).json().getLong("count")).isEqualTo(1);
    assertThat(Http.post(port, "/api/notifications/" + theirs + "/read", token, new JsonObject()).status()).isEqualTo(404);
    assertThat(Http.get(port, "/api/notifications/unread-count", Tokens.user(other)).json().getLong("count")).isEqualTo(1);
    assertThat(Http.post(port, "/api/notifications/" + mine + "/read", token, new JsonObject()).status()).isEqualTo(200);
    assertThat(Http.get(port, "/api/notifications/unread-count", token).json().getLong("count")).isZero();
    notify(u, "again");
    assertThat(Http.post(port, "/api/notifications/read-all", token, new JsonObject()).json().getInteger("updated")).isEqualTo(1);
    assertThat(Http.get(port, "/api/notifications?limit=abc", token).status()).isEqualTo(400);
    assertThat(Http.post(port, "/api/notifications/abc/read", token, new JsonObject()).status()).isEqualTo(404);
    assertThat(Http.get(port, "/api/notifications", null).status()).isEqualTo(401);
  }

  @Test
  @DisplayName("send with event 'notification' and send-many store rows; persist:true stores custom events")
  void sendStores() {
    String u1 = user();
    String u2 = user();
    Response one = Http.post(port, "/api/gateway/send", SERVICE, new JsonObject().put("userId", u1).put("event", "notification")
        .put("message", new JsonObject().put("type", "warning").put("title", "T").put("message", "M")));
    assertThat(one.json().getBoolean("success")).isFalse();
    assertThat(one.json().getLong("id")).isPositive();
    Response many = Http.post(port, "/api/gateway/send-many", SERVICE, new JsonObject()
        .put("userIds", new JsonArray().add(u1).add(u2)).put("event", "order-shipped").put("persist", true)
        .put("message", new JsonObject().put("order", 7)));
    assertThat(many.status()).isEqualTo(200);
    Http.post(port, "/api/gateway/send", SERVICE, new JsonObject().put("userId", u1).put("event", "typing").put("message", "x"));
    JsonArray items = Http.get(port, "/api/notifications", Tokens.user(u1)).json().getJsonArray("items");
    assertThat(items).hasSize(2); // the ephemeral 'typing' event is not stored
    assertThat(items.getJsonObject(0).getString("event")).isEqualTo("order-shipped");
    assertThat(items.getJsonObject(0).getJsonObject("data").getInteger("order")).isEqualTo(7);
    assertThat(items.getJsonObject(1).getString("type")).isEqualTo("warning");
    try (TestSocket s = TestSocket.open(port, "/ws?lastNotificationId=0&token=" + Tokens.user(u2))) {
      JsonObject replayed = s.expect("order-shipped");
      assertThat(replayed.getJsonObject("data").getInteger("order")).isEqualTo(7);
      assertThat(replayed.getLong("notificationId")).isPositive();
    }
  }

  @Test
  @DisplayName("replay after lastNotificationId while 1,000 notifications are sent concurrently: every id once, in order")
  void replayUnderLoad() {
    String u = user();
    long before = notify(u, "before-0");
    List<Long> expected = new ArrayList<>();
    expected.add(notify(u, "before-1"));
    expected.add(notify(u, "before-2"));
    // 1,000 sends in flight (bounded concurrency) while the client reconnects with the cursor.
    io.herald.client.HeraldClient producer = io.herald.client.HeraldClient.create(node.vertx(), 30_000);
    List<Future<Boolean>> sends = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      sends.add(producer.notify(u, "info", "load-" + i, "m", null));
    }
    TestSocket s = TestSocket.open(port, "/ws?lastNotificationId=" + before + "&token=" + Tokens.user(u));
    for (int i = 500; i < 1000; i++) {
      sends.add(producer.notify(u, "info", "load-" + i, "m", null));
    }
    Await.result(Future.all(sends), 60);
    // The catch-up ends with unread_count: what came before it is the replay, what follows is live.
    List<Long> replayed = new ArrayList<>();
    List<Long> received = new ArrayList<>();
    boolean live = false;
    while (received.size() < 1002) {
      JsonObject f = s.next();
      if ("unread_count".equals(f.getString("event"))) {
        live = true;
      } else if ("notification".equals(f.getString("event"))) {
        received.add(f.getLong("notificationId"));
        if (!live) {
          replayed.add(f.getLong("notificationId"));
        }
      }
    }
    List<Long> stored = allIds(u);
    assertThat(stored).hasSize(1003);
    assertThat(received).doesNotHaveDuplicates();
    assertThat(received).containsExactlyInAnyOrderElementsOf(stored.subList(1, stored.size()));
    assertThat(replayed).isSorted().startsWith(expected.get(0), expected.get(1));
    s.send("ping", new JsonObject(), 1);
    JsonObject next = s.nextMatching(f -> !"unread_count".equals(f.getString("event")), "a frame after the load");
    assertThat(next.getString("event")).as("no duplicate after the last notification").isEqualTo("pong");
    s.close();
  }

  @Test
  @DisplayName("lastNotificationId in the auth frame's data resumes after it, like the query parameter")
  void replayFromAuthFrame() {
    String u = user();
    long first = notify(u, "one");
    long second = notify(u, "two");
    try (TestSocket s = TestSocket.open(port, "/ws")) {
      s.send("auth", new JsonObject().put("token", Tokens.user(u)).put("lastNotificationId", first), 1);
      assertThat(s.expect("connected").getInteger("id")).isEqualTo(1);
      assertThat(s.expect("notification").getLong("notificationId")).isEqualTo(second);
      assertThat(s.expect("unread_count").getJsonObject("data").getLong("count")).isEqualTo(2);
    }
  }

  @Test
  @DisplayName("a malformed lastNotificationId gets BAD_REQUEST and the unread catch-up instead")
  void badCursor() {
    String u = user();
    long id = notify(u, "x");
    try (TestSocket s = TestSocket.open(port, "/ws?lastNotificationId=abc&token=" + Tokens.user(u))) {
      s.expect("connected");
      assertThat(s.expectError("BAD_REQUEST").getJsonObject("data").getString("message")).contains("lastNotificationId");
      assertThat(s.expect("notification").getLong("notificationId")).isEqualTo(id);
    }
  }

  /** Every stored id of a user, ascending, through the REST history. */
  static List<Long> allIds(String u) {
    List<Long> ids = new ArrayList<>();
    Long before = null;
    do {
      JsonObject page = Http.get(port, "/api/notifications?limit=100" + (before == null ? "" : "&before=" + before), Tokens.user(u)).json();
      page.getJsonArray("items").forEach(o -> ids.add(0, ((JsonObject) o).getLong("id")));
      before = page.getLong("nextBefore");
    } while (before != null);
    return ids;
  }

  @Test
  @DisplayName("a node restarted on the same database keeps the history")
  void restartKeepsHistory() {
    TestNodes other = new TestNodes();
    try {
      HeraldNode first = other.start();
      String u = user();
      long id = Producer.notify(first.httpPort(), u, "survives", "restart");
      other.stop(first);
      HeraldNode second = other.start();
      JsonArray items = Http.get(second.httpPort(), "/api/notifications", Tokens.user(u)).json().getJsonArray("items");
      assertThat(items).hasSize(1);
      assertThat(items.getJsonObject(0).getLong("id")).isEqualTo(id);
    } finally {
      other.close();
    }
  }
}

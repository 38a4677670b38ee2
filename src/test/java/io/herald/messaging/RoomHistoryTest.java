package io.herald.messaging;

import static io.herald.messaging.DirectMessageTest.code;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.Http;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Rooms whose prefix keeps history: publish, get-room-history, join-room since, backends' persist. */
@DisplayName("room history")
class RoomHistoryTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode a;
  static HeraldNode b;
  static final String SERVICE = Tokens.service();

  @BeforeAll
  static void start() {
    Map<String, Object> config = Map.of(
        "rooms.client-publish-prefixes", List.of("course", "live-session"),
        "rooms.history-prefixes", List.of("course"),
        "ws.rate-limit-per-minute", 10_000);
    a = nodes.start(config);
    b = nodes.start(config);
  }

  static JsonObject publish(String room, String event, Object data) {
    return new JsonObject().put("room", room).put("event", event).put("data", data);
  }

  static JsonObject join(TestSocket s, String room, Long since) {
    JsonObject d = new JsonObject().put("room", room);
    return s.request("join-room", since == null ? d : d.put("since", since));
  }

  @Test
  @DisplayName("events of a history room are kept and carry roomEventId; get-room-history pages them newest first; others are not kept")
  void keptAndPaged() {
    try (TestSocket kim = TestSocket.connect(a.httpPort(), Tokens.user("rh-kim", "course:*", "live-session:*"));
        TestSocket lee = TestSocket.connect(b.httpPort(), Tokens.user("rh-lee", "course:*", "live-session:*"))) {
      join(kim, "course:1", null);
      join(lee, "course:1", null);
      List<Long> ids = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        JsonObject reply = kim.request("publish", publish("course:1", "discussion_message", new JsonObject().put("n", i)));
        ids.add(reply.getJsonObject("data").getLong("roomEventId"));
        JsonObject live = lee.expect("discussion_message");
        assertThat(live.getLong("roomEventId")).isEqualTo(ids.get(i - 1));
        assertThat(live.getString("from")).isEqualTo("rh-kim");
      }
      assertThat(ids).isSorted().doesNotHaveDuplicates();

      JsonObject page = lee.request("get-room-history", new JsonObject().put("room", "course:1").put("limit", 2)).getJsonObject("data");
      JsonArray items = page.getJsonArray("items");
      assertThat(items).hasSize(2);
      assertThat(items.getJsonObject(0).getLong("id")).isEqualTo(ids.get(2));
      assertThat(items.getJsonObject(0).getString("from")).isEqualTo("rh-kim");
      assertThat(items.getJsonObject(0).getJsonObject("data").getInteger("n")).isEqualTo(3);
      JsonObject older = lee.request("get-room-history", new JsonObject().put("room", "course:1").put("before", page.getLong("nextBefore")))
          .getJsonObject("data");
      assertThat(older.getJsonArray("items")).hasSize(1);
      assertThat(older.getLong("nextBefore")).isNull();

      join(kim, "live-session:1", null);
      join(lee, "live-session:1", null);
      kim.request("publish", publish("live-session:1", "live_session_event", "x"));
      assertThat(lee.expect("live_session_event").containsKey("roomEventId")).as("live-session stays ephemeral").isFalse();
      assertThat(code(lee.request("get-room-history", new JsonObject().put("room", "live-session:1")))).isEqualTo("BAD_REQUEST");
      assertThat(code(lee.request("get-room-history", new JsonObject().put("room", "course:2")))).as("not a member").isEqualTo("FORBIDDEN");
    }
  }

  @Test
  @DisplayName("a member who rejoins with since gets what members and backends sent meanwhile, in order, then joined-room, then live")
  void rejoinSince() {
    long seen;
    try (TestSocket kim = TestSocket.connect(a.httpPort(), Tokens.user("rs-kim", "course:*"))) {
      join(kim, "course:20", null);
      try (TestSocket lee = TestSocket.connect(b.httpPort(), Tokens.user("rs-lee", "course:*"))) {
        join(lee, "course:20", null);
        kim.request("publish", publish("course:20", "discussion_message", "before"));
        seen = lee.expect("discussion_message").getLong("roomEventId");
      }
      kim.request("publish", publish("course:20", "discussion_message", "while away"));
      kim.request("publish", publish("course:20", "discussion_reaction", "+1"));
      Http.Response persisted = Http.post(a.httpPort(), "/api/rooms/course:20/events", SERVICE,
          new JsonObject().put("event", "course_announcement").put("data", new JsonObject().put("title", "Exam")).put("persist", true));
      assertThat(persisted.status()).as(persisted.text()).isEqualTo(202);
      long announcementId = persisted.json().getLong("id");

      try (TestSocket lee = TestSocket.connect(b.httpPort(), Tokens.user("rs-lee", "course:*"))) {
        lee.send("join-room", new JsonObject().put("room", "course:20").put("since", seen), "j");
        assertThat(lee.next().getValue("data")).isEqualTo("while away");
        assertThat(lee.next().getValue("data")).isEqualTo("+1");
        JsonObject announcement = lee.next();
        assertThat(announcement.getString("event")).isEqualTo("course_announcement");
        assertThat(announcement.getLong("roomEventId")).isEqualTo(announcementId);
        assertThat(announcement.containsKey("from")).as("a backend's event").isFalse();
        JsonObject joined = lee.next();
        assertThat(joined.getString("event")).isEqualTo("joined-room");
        assertThat(joined.getJsonObject("data").getInteger("replayed")).isEqualTo(3);
        kim.request("publish", publish("course:20", "discussion_message", "live"));
        assertThat(lee.next().getValue("data")).isEqualTo("live");
      }
    }
  }

  @Test
  @DisplayName("joining with since while 60 events are being published: every event exactly once, in the order published")
  void noGapUnderLoad() {
    try (TestSocket kim = TestSocket.connect(a.httpPort(), Tokens.user("ld-kim", "course:*"));
        TestSocket lee = TestSocket.connect(b.httpPort(), Tokens.user("ld-lee", "course:*"))) {
      join(kim, "course:30", null);
      for (int i = 0; i < 60; i++) { // within the 64 ordered requests a connection may have in flight
        kim.send("publish", publish("course:30", "chat", i), "p" + i);
        if (i == 20) {
          lee.send("join-room", new JsonObject().put("room", "course:30").put("since", 0), "join");
        }
      }
      List<Long> ids = new ArrayList<>();
      List<Integer> order = new ArrayList<>();
      while (ids.size() < 60) {
        JsonObject f = lee.nextMatching(x -> "chat".equals(x.getString("event")), "chat event " + ids.size());
        ids.add(f.getLong("roomEventId"));
        order.add(f.getInteger("data"));
      }
      kim.request("publish", publish("course:30", "marker", null));
      lee.expect("marker");
      assertThat(lee.drain()).noneMatch(f -> "chat".equals(f.getString("event")));
      assertThat(ids).isSorted().doesNotHaveDuplicates().hasSize(60);
      assertThat(order).as("as kim published them").isSorted();
    }
  }

  @Test
  @DisplayName("a backend's herald.send.room with persist: true is kept, answered with its id, and carries roomEventId")
  void eventBusPersist() {
    try (TestSocket kim = TestSocket.connect(b.httpPort(), Tokens.user("eb-kim", "course:*"))) {
      join(kim, "course:40", null);
      JsonObject reply = io.herald.test.Await.result(a.vertx().eventBus().<JsonObject>request(io.herald.cluster.Addresses.SEND_ROOM,
          new JsonObject().put("room", "course:40").put("event", "discussion_message").put("data", "from a verticle")
              .put("persist", true))).body();
      assertThat(reply.getBoolean("delivered")).isTrue();
      JsonObject live = kim.expect("discussion_message");
      assertThat(live.getLong("roomEventId")).isEqualTo(reply.getLong("id"));
      JsonObject kept = kim.request("get-room-history", new JsonObject().put("room", "course:40")).getJsonObject("data");
      assertThat(kept.getJsonArray("items").getJsonObject(0).getLong("id")).isEqualTo(reply.getLong("id"));
    }
  }

  @Test
  @DisplayName("persist on a room without history is refused with 400 before anything is sent; since on one is BAD_REQUEST")
  void refused() {
    Http.Response r = Http.post(a.httpPort(), "/api/rooms/live-session:9/events", SERVICE,
        new JsonObject().put("event", "x").put("persist", true));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().getJsonObject("error").getString("message")).contains("rooms.history-prefixes");
    try (TestSocket kim = TestSocket.connect(a.httpPort(), Tokens.user("rf-kim", "live-session:*"))) {
      assertThat(code(join(kim, "live-session:9", 0L))).isEqualTo("BAD_REQUEST");
    }
  }
}

package io.herald.room;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.test.Await;
import io.herald.protocol.ServerFrame;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("a node's local room membership")
class LocalRoomsTest {
  private final Vertx vertx = Vertx.vertx();
  /** The directory calls, in order: "+room" and "-room". */
  private final List<String> directoryCalls = new ArrayList<>();
  /** The rooms the directory lists this node for, as the calls left them. */
  private final Set<String> listed = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final LocalRooms rooms = new LocalRooms(vertx, "node-1", new RecordingDirectory());
  private int members;

  /** A member of user {@code userId}. */
  private RoomMember member(String userId) {
    String id = "m" + (++members);
    return new RoomMember() {
      @Override
      public String memberId() {
        return id;
      }

      @Override
      public String userId() {
        return userId;
      }

      @Override
      public Context eventLoopContext() {
        return null;
      }

      @Override
      public void deliverOnEventLoop(ServerFrame frame, String ns) {}

      @Override
      public String toString() {
        return id + "/" + userId;
      }
    };
  }

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  @DisplayName("lists one member, then two, then the one left; the directory hears only of the first join and the last leave")
  void oneMemberThenSeveralThenOne() throws Exception {
    RoomMember a = member("u1");
    RoomMember b = member("u2");
    RoomMember c = member("u3");

    Await.result(rooms.join(a, "r"));
    assertThat(rooms.members("r")).containsExactly(a);
    Await.result(rooms.join(a, "r"));
    assertThat(rooms.members("r")).containsExactly(a);
    Await.result(rooms.join(b, "r"));
    Await.result(rooms.join(c, "r"));
    assertThat(rooms.members("r")).containsExactlyInAnyOrder(a, b, c);
    assertThat(rooms.counts()).containsEntry("r", 3);

    Await.result(rooms.leave(a, "r"));
    Await.result(rooms.leave(c, "r"));
    assertThat(rooms.members("r")).containsExactly(b);
    Await.result(rooms.leave(a, "r")); // not a member any more: nothing changes
    assertThat(rooms.members("r")).containsExactly(b);
    assertThat(rooms.counts()).containsEntry("r", 1);

    Await.result(rooms.leave(b, "r"));
    assertThat(rooms.members("r")).isEmpty();
    assertThat(rooms.counts()).doesNotContainKey("r");
    Await.result(rooms.join(c, "r"));
    assertThat(rooms.members("r")).containsExactly(c);
    assertThat(directoryCalls).containsExactly("+r", "-r", "+r");
  }

  @Test
  @DisplayName("a leave of a session that is not the room's only member leaves it alone")
  void leaveOfAnotherSession() throws Exception {
    RoomMember a = member("u1");
    RoomMember b = member("u2");
    Await.result(rooms.join(a, "r"));
    Await.result(rooms.leave(b, "r"));
    assertThat(rooms.members("r")).containsExactly(a);
    assertThat(directoryCalls).containsExactly("+r");
  }

  @Test
  @DisplayName("a last leave and a first join racing on two threads leave the room listed in the directory")
  void leaveAndJoinRace() throws Exception {
    RoomMember a = member("u1");
    RoomMember b = member("u2");
    Await.result(rooms.join(a, "race"));
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 3000; round++) {
        // Alternately a leaves while b joins, and b leaves while a joins: one member at the end.
        RoomMember leaving = round % 2 == 0 ? a : b;
        RoomMember joining = round % 2 == 0 ? b : a;
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
        java.util.concurrent.Future<Future<Void>> left = pool.submit(() -> {
          start.await();
          return rooms.leave(leaving, "race");
        });
        java.util.concurrent.Future<Future<Void>> joined = pool.submit(() -> {
          start.await();
          return rooms.join(joining, "race");
        });
        Await.result(left.get(5, TimeUnit.SECONDS));
        Await.result(joined.get(5, TimeUnit.SECONDS));
        Await.result(rooms.settled());
        assertThat(rooms.members("race")).containsExactly(joining);
        assertThat(listed).as("listed after round %d", round).contains("race");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @DisplayName("in a tracked room, a user's first member joining and last member leaving are announced, once each")
  void usersFirstAndLast() throws Exception {
    List<String> heard = java.util.Collections.synchronizedList(new ArrayList<>());
    rooms.trackUsers(room -> room.startsWith("course:"), new LocalRooms.UserListener() {
      @Override
      public void firstJoined(String room, String userId) {
        heard.add("+" + room + "/" + userId);
      }

      @Override
      public void lastLeft(String room, String userId) {
        heard.add("-" + room + "/" + userId);
      }
    });
    RoomMember alicePhone = member("alice");
    RoomMember aliceLaptop = member("alice");
    RoomMember bob = member("bob");
    Await.result(rooms.join(alicePhone, "course:1"));
    Await.result(rooms.join(aliceLaptop, "course:1"));
    Await.result(rooms.join(aliceLaptop, "course:1")); // again: no change
    Await.result(rooms.join(bob, "course:1"));
    Await.result(rooms.join(bob, "other")); // not tracked
    assertThat(rooms.localCount("course:1", "alice")).isEqualTo(2);
    assertThat(rooms.localCount("other", "bob")).isZero();
    Await.result(rooms.leave(alicePhone, "course:1"));
    Await.result(rooms.leave(alicePhone, "course:1")); // not a member any more
    Await.result(rooms.leave(aliceLaptop, "course:1"));
    Await.result(rooms.leave(bob, "other"));
    assertThat(heard).containsExactly("+course:1/alice", "+course:1/bob", "-course:1/alice");
    assertThat(rooms.localCount("course:1", "alice")).isZero();
  }


  private final class RecordingDirectory implements RoomDirectory {
    @Override
    public synchronized Future<Void> add(String room, String nodeId) {
      directoryCalls.add("+" + room);
      listed.add(room);
      return Future.succeededFuture();
    }

    @Override
    public synchronized Future<Void> remove(String room, String nodeId) {
      directoryCalls.add("-" + room);
      listed.remove(room);
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> addAll(Collection<String> rooms, String nodeId) {
      return Future.succeededFuture();
    }

    @Override
    public Future<Set<String>> nodes(String room) {
      return Future.succeededFuture(Set.of());
    }

    @Override
    public Future<Map<String, Set<String>>> nodes(Collection<String> rooms) {
      return Future.succeededFuture(Map.of());
    }

    @Override
    public Future<List<String>> rooms() {
      return Future.succeededFuture(List.of());
    }

    @Override
    public Future<Void> purgeNode(String nodeId) {
      return Future.succeededFuture();
    }
  }
}

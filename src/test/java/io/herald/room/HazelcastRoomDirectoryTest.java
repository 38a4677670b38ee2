package io.herald.room;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.herald.test.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("the Hazelcast room index")
class HazelcastRoomDirectoryTest {
  static Vertx vertx;
  static HazelcastInstance hz;
  static HazelcastRoomDirectory directory;

  @BeforeAll
  static void start() {
    Config config = new Config().setClusterName("herald-dir-test-" + UUID.randomUUID());
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.getNetworkConfig().setPortAutoIncrement(true).getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    hz = Hazelcast.newHazelcastInstance(config);
    vertx = Vertx.vertx();
    directory = new HazelcastRoomDirectory(vertx, hz);
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    hz.shutdown();
  }

  @Test
  @DisplayName("a personal room is not indexed: its nodes are those of the user's connections in presence's entry")
  void personalRoomsFromPresence() {
    assertThat(directory.indexes("user:pat")).isFalse();
    assertThat(directory.indexes("room:a")).isTrue();
    assertThat(Await.result(directory.nodes("user:pat"))).isEmpty();
    char c = io.herald.cluster.UserConnections.CONNECTION;
    char e = io.herald.cluster.UserConnections.NODE_END;
    hz.getMap(io.herald.cluster.UserConnections.MAP).put("pat", "1700000000000" + c + "n1" + e + "s1" + c + "n2" + e + "s2"
        + c + "n1" + e + "s3");
    hz.getMap(io.herald.cluster.UserConnections.MAP).put("sam", "1700000000000"); // in its grace period: no connection
    assertThat(Await.result(directory.nodes("user:pat"))).containsExactlyInAnyOrder("n1", "n2");
    assertThat(Await.result(directory.nodes(List.of("user:pat", "user:sam", "user:nobody"))))
        .isEqualTo(Map.of("user:pat", Set.of("n1", "n2")));
  }

  @Test
  @DisplayName("lists each node once per room, drops a room with its last node, and purges a node's entries")
  void addRemovePurge() throws Exception {
    Await.result(directory.add("room:a", "n1"));
    Await.result(directory.add("room:a", "n1"));
    Await.result(directory.add("room:a", "n2"));
    Await.result(directory.addAll(List.of("room:a", "room:b"), "n3"));
    assertThat(Await.result(directory.nodes("room:a"))).containsExactlyInAnyOrder("n1", "n2", "n3");
    assertThat(Await.result(directory.nodes(List.of("room:a", "room:b", "room:none"))))
        .isEqualTo(Map.of("room:a", Set.of("n1", "n2", "n3"), "room:b", Set.of("n3")));

    Await.result(directory.remove("room:a", "n2"));
    Await.result(directory.remove("room:a", "n2"));
    Await.result(directory.remove("room:none", "n2"));
    assertThat(Await.result(directory.nodes("room:a"))).containsExactlyInAnyOrder("n1", "n3");

    Await.result(directory.purgeNode("n3"));
    assertThat(Await.result(directory.nodes("room:a"))).containsExactly("n1");
    assertThat(Await.result(directory.nodes("room:b"))).isEmpty();
    assertThat(Await.result(directory.rooms())).containsExactly("room:a");
    Await.result(directory.remove("room:a", "n1"));
    assertThat(Await.result(directory.rooms())).isEmpty();
  }

  @Test
  @DisplayName("concurrent adds and removes of many nodes on one room never lose or resurrect one")
  void concurrentChanges() throws Exception {
    List<Future<Void>> adds = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      adds.add(directory.add("room:busy", "n" + i));
    }
    Await.result(Future.all(adds).mapEmpty());
    List<Future<Void>> removes = new ArrayList<>();
    for (int i = 0; i < 40; i += 2) {
      removes.add(directory.remove("room:busy", "n" + i));
    }
    Await.result(Future.all(removes).mapEmpty());
    Set<String> nodes = Await.result(directory.nodes("room:busy"));
    assertThat(nodes).hasSize(20).allSatisfy(n -> assertThat(Integer.parseInt(n.substring(1)) % 2).isEqualTo(1));
  }

}

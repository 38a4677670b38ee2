package io.herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.config.HeraldConfig;
import io.herald.test.Http;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("a producer process without Herald's classes joins the cluster as a full member")
class ForeignProducerTest {
  TestNodes nodes;

  @BeforeEach
  void setUp() {
    nodes = new TestNodes();
  }

  @AfterEach
  void tearDown() {
    nodes.close();
  }

  @Test
  @DisplayName("it can send to users, and Herald keeps routing after it joins and leaves")
  void foreignProducer() throws Exception {
    HeraldNode herald = nodes.start();
    HeraldConfig cluster = nodes.config(Map.of());
    String service = Tokens.service();
    try (TestSocket s = TestSocket.connect(herald.httpPort(), Tokens.user("lena", "team:*"))) {
      s.request("join-room", new JsonObject().put("room", "team:5"));
      Process producer = startProducer(cluster, "lena");
      try {
        BufferedReader out = new BufferedReader(new InputStreamReader(producer.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        awaitLine(out, lines, "producer joined");
        // The producer is a member, but not a Herald node (the dashboard picks its computing node among these).
        JsonObject stats = Http.get(herald.httpPort(), "/api/gateway/stats", service).json();
        assertThat(stats.getJsonArray("members")).hasSize(2);
        assertThat(stats.getJsonArray("nodes")).as("only Herald nodes are asked for counts").hasSize(1);
        assertThat(herald.heraldNodeIds()).containsExactly(herald.nodeId());
        // Partitions of Herald's maps are now shared with a member that lacks Herald's classes.
        try (TestSocket second = TestSocket.connect(herald.httpPort(), Tokens.user("lena"))) {
          assertThat(second.request("ping", new JsonObject()).getString("event")).isEqualTo("pong");
        }
        OutputStream in = producer.getOutputStream();
        in.write('\n');
        in.flush();
        assertThat(s.expect("from-producer").getJsonObject("data").getBoolean("ok")).isTrue();
        assertThat(awaitLine(out, lines, "reply")).contains("\"delivered\":true");
        awaitLine(out, lines, "producer left");
        assertThat(producer.waitFor(30, TimeUnit.SECONDS)).isTrue();
      } finally {
        producer.destroyForcibly();
      }
      // The departed member's exit must not take the survivors' entries with it.
      assertThat(Http.get(herald.httpPort(), "/api/gateway/status/lena", service).json().getBoolean("connected")).isTrue();
      assertThat(Http.post(herald.httpPort(), "/api/rooms/team:5/events", service, new JsonObject().put("event", "after"))
          .json().getBoolean("delivered")).isTrue();
      s.expect("after");
    }
  }

  private static Process startProducer(HeraldConfig cluster, String userId) throws Exception {
    String classpath = List.of(System.getProperty("java.class.path").split(File.pathSeparator)).stream()
        .filter(p -> !p.endsWith("target" + File.separator + "classes") && !p.endsWith("test-classes"))
        .collect(Collectors.joining(File.pathSeparator));
    Path dir = Files.createTempDirectory("producer");
    Path source = dir.resolve("Producer.java");
    try (var in = ForeignProducerTest.class.getResourceAsStream("/producer/Producer.java")) {
      Files.copy(in, source);
    }
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xmx256m", "-cp", classpath, source.toString(),
        cluster.clusterName, Integer.toString(cluster.clusterPort), userId);
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  private static String awaitLine(BufferedReader out, List<String> seen, String prefix) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    String line;
    while (System.currentTimeMillis() < deadline && (line = out.readLine()) != null) {
      seen.add(line);
      if (line.startsWith(prefix)) {
        return line;
      }
    }
    throw new AssertionError("producer never printed '" + prefix + "'; output: " + seen);
  }
}

package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keeps scripts/bench from rotting: every scenario against every server (and both of Herald's
 * publishers) with tiny sizes. It asserts that figures were produced, never how fast anything is.
 */
class BenchSmokeTest {
  @Test
  @Timeout(180)
  @DisplayName("the bench's smoke mode runs every scenario against every server and reports figures")
  void smokeProducesFiguresForEveryScenarioAndServer() {
    JsonObject doc = Bench.run("smoke", "--out", Path.of("target", "bench-smoke").toString());

    List<JsonObject> results = doc.getJsonArray("results").stream().map(JsonObject.class::cast).collect(Collectors.toList());
    assertThat(results).extracting(BenchSmokeTest::key).containsExactlyInAnyOrder(
        "idle/herald", "idle-deflate/herald", "fanout-20/herald/rest", "fanout-20/herald/eventbus",
        "fanout-20/herald-socketio/rest", "fanout-broadcast-20/herald/rest", "fanout-broadcast-20/herald-sse/rest",
        "notify/postgresql", "notify/herald/rest", "notify/herald/eventbus", "notify-backlog/herald/rest",
        "crossnode/herald/rest", "idle-2nodes/herald", "fanout-20-2nodes/herald/rest", "idle-scale/herald", "storm/herald",
        "idle/raw-vertx", "fanout-20/raw-vertx/rest", "notify/raw-vertx/rest",
        "crossnode/raw-vertx", "idle-2nodes/raw-vertx", "fanout-20-2nodes/raw-vertx", "idle-scale/raw-vertx", "storm/raw-vertx",
        "idle/socketio-node", "fanout-20/socketio-node/rest", "notify/socketio-node/rest",
        "crossnode/socketio-node", "idle-2nodes/socketio-node", "fanout-20-2nodes/socketio-node", "idle-scale/socketio-node",
        "storm/socketio-node");
    for (JsonObject r : results) {
      JsonObject f = r.getJsonObject("figures");
      String scenario = r.getString("scenario");
      if (f.containsKey("notApplicable")) {
        assertThat(r.getString("server")).as("%s", r).doesNotStartWith("herald");
        assertThat(f.getString("notApplicable")).as("%s reason", r).isNotBlank();
      } else if (scenario.startsWith("idle")) {
        assertThat(f.getInteger("opened")).as("%s opened", r).isEqualTo(f.getInteger("requested")).isPositive();
        assertThat(f.getLong("liveBytesAfter")).as("%s live bytes", r).isPositive();
      } else if (scenario.equals("notify-backlog")) {
        assertThat(f.getJsonArray("runs")).as("%s runs", r).hasSize(2);
        assertThat(f.getDouble("meanRatio")).as("%s ratio", r).isPositive();
      } else if (scenario.equals("storm")) {
        // three nodes, one killed: every client of it reconnected to the others and got the stored
        // notification published while it was away, and presence became exact again
        assertThat(f.getInteger("opened")).as("%s opened", r).isEqualTo(f.getInteger("requested")).isPositive();
        assertThat(f.getBoolean("timedOut")).as("%s timed out: %s", r, f).isFalse();
        assertThat(f.getLong("caughtUp")).as("%s caught up", r).isEqualTo(f.getLong("clientsOfKilledNode")).isPositive();
        assertThat(f.getLong("lost")).as("%s lost", r).isZero();
        assertThat(f.getDouble("allCaughtUpMs")).as("%s", r).isPositive();
        assertThat(f.getDouble("presenceExactMs")).as("%s presence", r).isNotNull();
      } else if (scenario.equals("crossnode")) {
        for (String run : List.of("singleNode", "hop", "sameNodeInCluster")) {
          assertDelivered(r + " " + run, f.getJsonObject(run));
        }
        assertThat(f.getJsonObject("addedByHopMicros").getDouble("p99")).as("%s hop", r).isNotNull();
      } else if (r.getString("server").equals("postgresql")) {
        assertThat(f.getDouble("insertsPerSecond")).as("%s inserts", r).isPositive();
      } else {
        assertDelivered(r + " half-rate run", f.getJsonObject("halfRate"));
      }
    }
    JsonObject deflate = find(results, "idle-deflate/herald").getJsonObject("figures");
    assertThat(deflate.getLong("received")).as("every compressed connection got the compressed broadcast")
        .isEqualTo(deflate.getLong("opened"));
    JsonObject scale = find(results, "idle-scale/herald");
    assertThat(scale.getJsonObject("figures").getInteger("loadWorkers")).as("scale run held by load workers").isPositive();
    JsonObject stored = find(results, "notify/herald/rest").getJsonObject("figures");
    assertThat(stored.getBoolean("stored")).isTrue();
    assertThat(stored.getDouble("ratioToPgInsertRate")).isPositive();
    assertThat(find(results, "notify/raw-vertx/rest").getJsonObject("figures").getBoolean("stored")).isFalse();
    assertThat(doc.getJsonObject("machine").getInteger("cores")).isPositive();
    // Every target of the issue is evaluated from the run's figures (smoke sizes: the fan-out
    // targets need 1,000 members, so there they are reported as not measured).
    assertThat(doc.getJsonArray("targets").stream().map(t -> ((JsonObject) t).getString("target")))
        .anyMatch(t -> t.startsWith("memory")).anyMatch(t -> t.startsWith("notifications"))
        .anyMatch(t -> t.startsWith("fan-out: server CPU"));
    assertThat(doc.getJsonArray("targets").stream().map(t -> (JsonObject) t)
        .filter(t -> t.getString("target").startsWith("notifications")).findFirst().orElseThrow().getBoolean("met"))
        .as("the notification ratio is computed in smoke").isNotNull();
  }

  private static void assertDelivered(String what, JsonObject step) {
    assertThat(step).as("%s", what).isNotNull();
    assertThat(step.getLong("received")).as("%s deliveries", what).isEqualTo(step.getLong("expected")).isPositive();
    assertThat(step.getJsonObject("latencyMicros").getLong("count")).as("%s latency samples", what).isPositive();
  }

  private static String key(JsonObject r) {
    return r.getString("scenario") + "/" + r.getString("server")
        + (r.containsKey("publisher") ? "/" + r.getString("publisher") : "");
  }

  private static JsonObject find(List<JsonObject> results, String key) {
    return results.stream().filter(r -> key(r).equals(key)).findFirst().orElseThrow();
  }
}

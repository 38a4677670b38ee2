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
 * Keeps scripts/bench from rotting: every implemented scenario against every server with tiny
 * sizes. It asserts that figures were produced, never how fast anything is.
 */
class BenchSmokeTest {
  @Test
  @Timeout(120)
  @DisplayName("the bench's smoke mode runs every scenario against every server and reports figures")
  void smokeProducesFiguresForEveryScenarioAndServer() {
    JsonObject doc = Bench.run("smoke", "--out", Path.of("target", "bench-smoke").toString());

    List<JsonObject> results = doc.getJsonArray("results").stream().map(JsonObject.class::cast).collect(Collectors.toList());
    assertThat(results).extracting(r -> r.getString("scenario") + "/" + r.getString("server"))
        .containsExactlyInAnyOrder("idle/herald", "fanout-20/herald", "idle/raw-vertx", "fanout-20/raw-vertx",
            "idle/socketio-node", "fanout-20/socketio-node");
    for (JsonObject r : results) {
      JsonObject f = r.getJsonObject("figures");
      if (r.getString("scenario").equals("idle")) {
        assertThat(f.getInteger("opened")).as("%s opened", r).isEqualTo(20);
        assertThat(f.getLong("liveBytesAfter")).as("%s live bytes", r).isPositive();
      } else {
        JsonObject half = f.getJsonObject("halfRate");
        assertThat(half).as("%s half-rate run", r).isNotNull();
        assertThat(half.getLong("received")).as("%s deliveries", r).isEqualTo(half.getLong("expected")).isPositive();
        assertThat(half.getJsonObject("latencyMicros").getLong("count")).as("%s latency samples", r).isPositive();
      }
    }
    assertThat(doc.getJsonObject("machine").getInteger("cores")).isPositive();
  }
}

package io.herald.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.herald.HeraldNode;
import io.herald.gateway.transport.sse.SseEndpoint;
import io.herald.test.Await;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.RequestOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A client that vanishes without closing (power loss, a cable pulled): its kernel stops
 * acknowledging, nothing is ever read from it again. Simulated with a network namespace of this
 * machine's own, created and deleted by the test (a veth pair with a private /30, nothing routed
 * beyond it): the client runs inside it, and then its end of the link goes down.
 *
 * <p>SSE has no way to notice this at the application level (the stream is one-way and its
 * heartbeats land in the kernel's send buffer), so this is the transport the TCP user timeout is
 * for. Needs root (ip netns); skipped with a message where that is not available.
 */
@DisplayName("a client that vanishes without closing is dropped within the TCP user timeout")
class DeadPeerTest {
  static final String NS = "hdp" + ThreadLocalRandom.current().nextInt(100_000, 1_000_000);
  static final String HOST_IF = NS + "h";
  static final String CLIENT_IF = NS + "c";
  static final int NET = ThreadLocalRandom.current().nextInt(0, 256);
  static final String HOST_IP = "10.251." + NET + ".1";
  static final String CLIENT_IP = "10.251." + NET + ".2";
  static TestNodes nodes;
  static HeraldNode node;
  static boolean netns;

  @BeforeAll
  static void start() {
    netns = run("ip", "netns", "add", NS) == 0;
    assumeTrue(netns, "needs root and iproute2 (ip netns) to simulate a vanished peer");
    check(run("ip", "link", "add", HOST_IF, "type", "veth", "peer", "name", CLIENT_IF));
    check(run("ip", "link", "set", CLIENT_IF, "netns", NS));
    check(run("ip", "addr", "add", HOST_IP + "/30", "dev", HOST_IF));
    check(run("ip", "link", "set", HOST_IF, "up"));
    check(run("ip", "netns", "exec", NS, "ip", "addr", "add", CLIENT_IP + "/30", "dev", CLIENT_IF));
    check(run("ip", "netns", "exec", NS, "ip", "link", "set", CLIENT_IF, "up"));
    nodes = new TestNodes();
    node = nodes.start(Map.of("http.host", HOST_IP, "http.tcp-user-timeout-ms", 2000,
        "sse.heartbeat-ms", 300, "presence.grace-ms", 0));
  }

  @AfterAll
  static void stop() {
    if (nodes != null) {
      nodes.close();
    }
    if (netns) {
      run("ip", "netns", "del", NS);
      run("ip", "link", "del", HOST_IF);
    }
  }

  @Test
  @DisplayName("an SSE client whose network drops every packet is disconnected, and goes offline, within seconds")
  void sseClientVanishes() throws Exception {
    String user = "u-vanished";
    Process curl = new ProcessBuilder("ip", "netns", "exec", NS, "curl", "-sN", "--max-time", "60",
        "-H", "Authorization: Bearer " + Tokens.user(user),
        "http://" + HOST_IP + ":" + node.httpPort() + SseEndpoint.PATH).redirectErrorStream(true).start();
    try {
      // The count before the session opens, then the one that ends its catch-up (it is admitted).
      BufferedReader out = new BufferedReader(new InputStreamReader(curl.getInputStream(), StandardCharsets.UTF_8));
      awaitLine(out, "event: unread_count");
      awaitLine(out, "event: unread_count");
      assertThat(connected(user)).isTrue();
      // The client's cable is pulled: its interface goes down, and whatever the node sends is
      // dropped on the way. No FIN, no RST, no ACK will ever come back.
      check(run("ip", "netns", "exec", NS, "ip", "link", "set", CLIENT_IF, "down"));
      long vanished = System.nanoTime();
      long deadline = vanished + TimeUnit.SECONDS.toNanos(30);
      while (connected(user) && System.nanoTime() < deadline) {
        Await.result(TestSocket.vertx().timer(200));
      }
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - vanished);
      assertThat(connected(user)).as("still online %d s after the peer vanished", seconds).isFalse();
    } finally {
      curl.destroyForcibly();
    }
  }

  static final HttpClient HTTP = TestSocket.vertx().createHttpClient(new HttpClientOptions().setKeepAlive(true));

  static boolean connected(String user) {
    return Await.onClientLoop(() -> HTTP.request(new RequestOptions().setHost(HOST_IP).setPort(node.httpPort())
            .setURI("/api/gateway/status/" + user).addHeader("Authorization", "Bearer " + Tokens.service()))
        .compose(req -> req.send()).compose(resp -> resp.body()), 30).toJsonObject().getBoolean("connected");
  }

  /** Reads the process's output (on this thread, bounded by curl's own --max-time) until a line equals {@code line}. */
  static void awaitLine(BufferedReader r, String line) throws IOException {
    StringBuilder seen = new StringBuilder();
    for (String l = r.readLine(); l != null; l = r.readLine()) {
      seen.append(l).append('\n');
      if (l.equals(line)) {
        return;
      }
    }
    throw new AssertionError("the stream ended before '" + line + "'; output:\n" + seen);
  }

  static void check(int exit) {
    assertThat(exit).as("ip/tc command exit code").isZero();
  }

  static int run(String... cmd) {
    try {
      Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      return p.exitValue();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}

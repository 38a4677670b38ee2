package io.herald.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.Await;
import io.herald.test.TestNodes;
import io.herald.test.Tokens;
import io.vertx.core.Promise;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketFrameType;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("keep-alive: server pings, and dead peers are closed")
class KeepAliveTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode node;

  @BeforeAll
  static void start() {
    node = nodes.start(TestNodes.idleTimeout(1000));
  }

  @Test
  @DisplayName("a client that answers pings stays connected across several idle timeouts")
  void livePeerStays() {
    WebSocket ws = io.herald.test.TestSocket.open(node.httpPort(), "/ws?token=" + Tokens.user("alive")).raw();
    AtomicInteger pings = new AtomicInteger();
    Promise<Void> enough = Promise.promise();
    ws.frameHandler(f -> {
      if (f.type() == WebSocketFrameType.PING && pings.incrementAndGet() == 20) {
        enough.tryComplete(); // 20 pings at 200 ms: 4 s, four idle timeouts
      }
    });
    Await.result(enough.future(), 15);
    assertThat(ws.isClosed()).isFalse();
    ws.close();
  }

  @Test
  @DisplayName("a peer that never answers is closed after ws.idle-timeout-ms")
  void deadPeerClosed() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", node.httpPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET /ws?token=" + Tokens.user("ghost") + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      // Read (never write) until the server closes the TCP connection.
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      long start = System.nanoTime();
      byte[] buf = new byte[4096];
      int n;
      while ((n = in.read(buf)) >= 0) {
        received.write(buf, 0, n);
      }
      long closedAfterMs = (System.nanoTime() - start) / 1_000_000;
      String text = received.toString(StandardCharsets.ISO_8859_1);
      assertThat(text).startsWith("HTTP/1.1 101");
      assertThat(text).contains("connected");
      assertThat(text.indexOf((char) 0x89)).as("a ping frame was sent").isPositive();
      assertThat(closedAfterMs).isBetween(900L, 9_000L);
    }
  }
}

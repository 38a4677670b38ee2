package io.herald.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.test.Await;
import io.herald.test.NodeScript;
import io.herald.test.Producer;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.Inflater;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** permessage-deflate, seen on the wire: what is negotiated, which frames are compressed. */
@DisplayName("WebSocket compression")
class CompressionTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static HeraldNode node;

  @BeforeAll
  static void start() {
    node = nodes.start();
  }

  /** A WebSocket opened by hand over TCP, so the test sees each frame's RSV1 bit and wire size. */
  static final class RawWebSocket implements AutoCloseable {
    record Frame(boolean compressed, int wireLength, String text) {}

    final NetSocket socket;
    final String extensions;
    final LinkedBlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    private Buffer pending = Buffer.buffer();
    private boolean upgraded;
    private String responseHead;

    RawWebSocket(String token, String offer) {
      socket = Await.result(TestSocket.vertx().createNetClient().connect(node.httpPort(), "127.0.0.1"));
      socket.handler(this::read);
      String request = "GET /ws?token=" + token + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
          + (offer == null ? "" : "Sec-WebSocket-Extensions: " + offer + "\r\n") + "\r\n";
      Await.result(socket.write(request));
      Frame first = next(); // 'connected'
      assertThat(first.text()).contains("\"connected\"");
      String ext = null;
      for (String line : responseHead.split("\r\n")) {
        if (line.toLowerCase().startsWith("sec-websocket-extensions:")) {
          ext = line.substring(line.indexOf(':') + 1).trim();
        }
      }
      extensions = ext;
    }

    private synchronized void read(Buffer data) {
      pending.appendBuffer(data);
      if (!upgraded) {
        String s = pending.toString(StandardCharsets.ISO_8859_1);
        int end = s.indexOf("\r\n\r\n");
        if (end < 0) {
          return;
        }
        responseHead = s.substring(0, end);
        upgraded = true;
        pending = pending.getBuffer(end + 4, pending.length());
      }
      while (pending.length() >= 2) {
        int b0 = pending.getUnsignedByte(0);
        int len = pending.getUnsignedByte(1) & 0x7f;
        int at = 2;
        if (len == 126) {
          if (pending.length() < 4) {
            return;
          }
          len = pending.getUnsignedShort(2);
          at = 4;
        } else if (len == 127) {
          if (pending.length() < 10) {
            return;
          }
          len = (int) pending.getLong(2);
          at = 10;
        }
        if (pending.length() < at + len) {
          return;
        }
        byte[] payload = pending.getBytes(at, at + len);
        pending = pending.getBuffer(at + len, pending.length());
        if ((b0 & 0x0f) != 1) {
          continue; // pings and the like
        }
        boolean compressed = (b0 & 0x40) != 0;
        frames.add(new Frame(compressed, len, compressed ? inflate(payload) : new String(payload, StandardCharsets.UTF_8)));
      }
    }

    private static String inflate(byte[] payload) {
      try {
        Inflater inflater = new Inflater(true);
        byte[] in = new byte[payload.length + 4];
        System.arraycopy(payload, 0, in, 0, payload.length);
        in[payload.length + 2] = (byte) 0xff;
        in[payload.length + 3] = (byte) 0xff;
        inflater.setInput(in);
        byte[] out = new byte[1 << 20];
        int n = inflater.inflate(out);
        inflater.end();
        return new String(out, 0, n, StandardCharsets.UTF_8);
      } catch (java.util.zip.DataFormatException e) {
        throw new AssertionError(e);
      }
    }

    Frame next() {
      try {
        Frame f = frames.poll(10, TimeUnit.SECONDS);
        assertThat(f).as("a frame within 10 s").isNotNull();
        return f;
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }

    Frame nextContaining(String text) {
      for (int i = 0; i < 20; i++) {
        Frame f = next();
        if (f.text().contains(text)) {
          return f;
        }
      }
      throw new AssertionError("no frame with " + text);
    }

    @Override
    public void close() {
      socket.close();
    }
  }

  @Test
  @DisplayName("a client that offers permessage-deflate gets it with server_no_context_takeover; frames of 1 KB and more are compressed, smaller ones not")
  void negotiated() {
    try (RawWebSocket ws = new RawWebSocket(Tokens.user("cz-browser"), "permessage-deflate; client_max_window_bits")) {
      assertThat(ws.extensions).startsWith("permessage-deflate").contains("server_no_context_takeover")
          .as("not offered, so not imposed (Netty clients would refuse it)").doesNotContain("client_no_context_takeover");
      RawWebSocket.Frame unread = ws.nextContaining("unread_count");
      assertThat(unread.compressed()).as("small frames go as they are").isFalse();

      String big = "x".repeat(4000);
      Producer.notify(node.httpPort(), "cz-browser", "Big", big);
      RawWebSocket.Frame frame = ws.nextContaining("\"notification\"");
      assertThat(frame.compressed()).isTrue();
      assertThat(frame.text()).contains(big);
      assertThat(frame.wireLength()).isLessThan(frame.text().length() / 4);
      Producer.notify(node.httpPort(), "cz-browser", "Big again", big);
      RawWebSocket.Frame second = ws.nextContaining("Big again");
      assertThat(second.compressed()).isTrue();
      assertThat(second.text()).as("each message inflates on its own: no window is shared").contains(big);
    }
  }

  @Test
  @DisplayName("a client that offers client_no_context_takeover gets it; the Vert.x (Netty) client connects with compression on")
  void clientNoContextAndNettyClient() {
    try (RawWebSocket ws = new RawWebSocket(Tokens.user("cz-nocontext"), "permessage-deflate; client_no_context_takeover")) {
      assertThat(ws.extensions).contains("client_no_context_takeover").contains("server_no_context_takeover");
    }
    io.vertx.core.http.WebSocketClient client = TestSocket.vertx().createWebSocketClient(
        new io.vertx.core.http.WebSocketClientOptions().setTryUsePerMessageCompression(true));
    io.vertx.core.http.WebSocket ws = Await.result(client.connect(new io.vertx.core.http.WebSocketConnectOptions()
        .setHost("127.0.0.1").setPort(node.httpPort()).setURI("/ws?token=" + Tokens.user("cz-netty"))));
    try {
      assertThat(ws.headers().get("sec-websocket-extensions")).contains("permessage-deflate");
    } finally {
      Await.result(ws.close());
      Await.result(client.close());
    }
  }

  @Test
  @DisplayName("a client that offers nothing gets plain frames, large ones included")
  void notNegotiated() {
    try (RawWebSocket ws = new RawWebSocket(Tokens.user("cz-plain"), null)) {
      assertThat(ws.extensions).isNull();
      String big = "y".repeat(4000);
      Producer.notify(node.httpPort(), "cz-plain", "Big", big);
      RawWebSocket.Frame frame = ws.nextContaining("\"notification\"");
      assertThat(frame.compressed()).isFalse();
      assertThat(frame.wireLength()).isGreaterThan(4000);
    }
  }

  @Test
  @DisplayName("the npm ws client negotiates it, sends a compressed 9 KB message and receives it back inflated")
  void npmClient() {
    try (TestSocket receiver = TestSocket.connect(node.httpPort(), Tokens.user("cz-receiver"));
        NodeScript client = NodeScript.start("ws-compressed.js", Map.of("HERALD_URL", "http://127.0.0.1:" + node.httpPort(),
            "TOKEN", Tokens.user("cz-npm"), "TO", "cz-receiver", "SIZE", "9000"))) {
      JsonObject upgrade = client.expect(e -> "upgrade".equals(e.getString("type")), "the upgrade");
      assertThat(upgrade.getString("extensions")).contains("permessage-deflate").contains("server_no_context_takeover");
      client.expect(e -> "frame".equals(e.getString("type")) && "message:sent".equals(e.getString("event")), "message:sent");
      assertThat(receiver.expect("message:new").getJsonObject("data").getString("content")).hasSize(9000);
    }
  }

  @Test
  @DisplayName("the frame limits apply to the inflated text: past ws.max-frame-bytes PAYLOAD_TOO_LARGE, past four times that the connection closes")
  void inflatedLimits() {
    try (NodeScript client = NodeScript.start("ws-compressed.js", Map.of("HERALD_URL", "http://127.0.0.1:" + node.httpPort(),
        "TOKEN", Tokens.user("cz-big"), "TO", "cz-nobody", "SIZE", "100000"))) {
      JsonObject error = client.expect(e -> "frame".equals(e.getString("type")) && "error".equals(e.getString("event")), "an error")
          .getJsonObject("frame").getJsonObject("data");
      assertThat(error.getString("code")).isEqualTo("PAYLOAD_TOO_LARGE");
    }
    try (NodeScript client = NodeScript.start("ws-compressed.js", Map.of("HERALD_URL", "http://127.0.0.1:" + node.httpPort(),
        "TOKEN", Tokens.user("cz-bomb"), "TO", "cz-nobody", "SIZE", "5000000"))) {
      JsonObject closed = client.expect(e -> "closed".equals(e.getString("type")), "the close");
      assertThat(closed.getInteger("code")).isIn(1006, 1009);
    }
    try (TestSocket still = TestSocket.connect(node.httpPort(), Tokens.user("cz-after"))) {
      assertThat(still.request("ping", new JsonObject()).getString("event")).isEqualTo("pong");
    }
  }
}

package io.herald.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real Vert.x WebSocket client for tests: every text frame the server sends is queued, and the
 * test thread awaits them with bounded waits (never sleeps).
 */
public final class TestSocket implements AutoCloseable {
  private static final Vertx VERTX = Vertx.vertx();
  private static final WebSocketClient CLIENT = VERTX.createWebSocketClient(new WebSocketClientOptions()
      .setMaxFrameSize(1024 * 1024).setMaxMessageSize(4 * 1024 * 1024));
  public static final int WAIT_SECONDS = 10;

  private final WebSocket ws;
  private final LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
  private final Promise<Short> closed = Promise.promise();

  private TestSocket(WebSocket ws) {
    this.ws = ws;
    ws.textMessageHandler(t -> frames.add(new JsonObject(t)));
    ws.closeHandler(v -> closed.tryComplete(ws.closeStatusCode()));
  }

  /** Opens a socket to {@code path} (may include a query) with optional headers (name, value, ...). */
  public static TestSocket open(int port, String path, String... headers) {
    WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(path);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      o.addHeader(headers[i], headers[i + 1]);
    }
    // The handlers are set before connecting: a server that answers and closes at once (a refused
    // token) must not be able to beat them.
    ClientWebSocket ws = CLIENT.webSocket();
    TestSocket socket = new TestSocket(ws);
    try {
      Await.result(ws.connect(o));
    } catch (AssertionError e) {
      // A refusal can close the socket in the same read as the upgrade answer, and the client then
      // reports the connect as failed; the frames and the close were still captured.
      if (!(e.getCause() instanceof IllegalStateException ise && String.valueOf(ise.getMessage()).contains("closed"))) {
        throw e;
      }
    }
    return socket;
  }

  /**
   * Opens {@code /ws} with the token in the Authorization header and awaits {@code connected} and
   * the {@code unread_count} that ends the catch-up (replayed unread notifications are skipped).
   */
  public static TestSocket connect(int port, String token) {
    TestSocket s = open(port, "/ws", "Authorization", "Bearer " + token);
    s.expect("connected");
    s.expect("unread_count");
    return s;
  }

  public static Vertx vertx() {
    return VERTX;
  }

  public void send(String text) {
    Await.result(ws.writeTextMessage(text));
  }

  /** Sends {@code {"event","data","id"}}. */
  public void send(String event, JsonObject data, Object id) {
    JsonObject f = new JsonObject().put("event", event).put("data", data);
    if (id != null) {
      f.put("id", id);
    }
    send(f.encode());
  }

  /** Sends a request and returns the first frame carrying its id (reply or error). */
  public JsonObject request(String event, JsonObject data) {
    String id = java.util.UUID.randomUUID().toString();
    send(event, data, id);
    return nextMatching(f -> id.equals(f.getValue("id")), "reply to " + event);
  }

  /** The next frame, whatever it is. */
  public JsonObject next() {
    try {
      JsonObject f = frames.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      if (f == null) {
        throw new AssertionError("no frame within " + WAIT_SECONDS + " s");
      }
      return f;
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** Skips frames until one with this event arrives. */
  public JsonObject expect(String event) {
    return nextMatching(f -> event.equals(f.getString("event")), "event " + event);
  }

  /** Skips frames until one matches. */
  public JsonObject nextMatching(java.util.function.Predicate<JsonObject> p, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    List<JsonObject> skipped = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      try {
        JsonObject f = frames.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (f == null) {
          break;
        }
        if (p.test(f)) {
          return f;
        }
        skipped.add(f);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("no " + what + " within " + WAIT_SECONDS + " s; got " + skipped);
  }

  /** Asserts that an error frame with {@code code} arrives next (skipping nothing). */
  public JsonObject expectError(String code) {
    JsonObject f = expect("error");
    assertThat(f.getJsonObject("data").getString("code")).isEqualTo(code);
    return f;
  }

  /** Awaits the close and returns its status code. */
  public short awaitClose() {
    return Await.result(closed.future(), WAIT_SECONDS);
  }

  public Future<Short> closed() {
    return closed.future();
  }

  public boolean isClosed() {
    return ws.isClosed();
  }

  /** Frames received and not yet consumed. */
  public List<JsonObject> drain() {
    List<JsonObject> out = new ArrayList<>();
    frames.drainTo(out);
    return out;
  }

  public WebSocket raw() {
    return ws;
  }

  @Override
  public void close() {
    if (!ws.isClosed()) {
      ws.close();
    }
  }
}

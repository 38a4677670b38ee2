package io.herald.test;

import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A raw {@code text/event-stream} reader over a Vert.x HttpClient, for what an EventSource hides
 * (comments, the exact bytes, whether an event had an id). Bounded waits; never sleeps.
 */
public final class SseStream implements AutoCloseable {
  private static final HttpClient CLIENT = TestSocket.vertx().createHttpClient(
      new HttpClientOptions().setKeepAlive(false).setConnectTimeout(5000), new PoolOptions().setHttp1MaxSize(50));

  /** One event block: {@code id} is null when the block had no id field; data lines joined by LF. */
  public record Event(String event, String id, String data) {}

  private final HttpClientResponse response;
  private final StringBuilder text = new StringBuilder();
  private final Promise<Void> ended = Promise.promise();
  private int consumed;

  private SseStream(HttpClientResponse response) {
    this.response = response;
    response.handler(b -> {
      synchronized (this) {
        text.append(b.toString());
        notifyAll();
      }
    });
    response.endHandler(v -> ended.tryComplete());
    response.exceptionHandler(err -> ended.tryComplete());
  }

  /** GETs {@code path} with the token as a bearer header (none when null) and extra headers (name, value, ...). */
  public static SseStream open(int port, String path, String token, String... headers) {
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI(path);
    if (token != null) {
      o.addHeader("Authorization", "Bearer " + token);
    }
    for (int i = 0; i + 1 < headers.length; i += 2) {
      o.addHeader(headers[i], headers[i + 1]);
    }
    return Await.onClientLoop(() -> CLIENT.request(o).compose(req -> req.send()).map(SseStream::new), 30);
  }

  public int status() {
    return response.statusCode();
  }

  public String header(String name) {
    return response.getHeader(name);
  }

  /** Everything read so far. */
  public synchronized String text() {
    return text.toString();
  }

  /** Waits (bounded) until the text read so far matches {@code p}; returns it. */
  public synchronized String awaitText(Predicate<String> p, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!p.test(text.toString())) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("the stream showed no " + what + " within 20 s; read:\n" + text);
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    return text.toString();
  }

  /** The next event block (comments and the retry field skipped), waiting for it (bounded). */
  public synchronized Event next() {
    while (true) {
      String all = awaitText(t -> t.indexOf("\n\n", consumed) >= 0, "complete event after offset " + consumed);
      int end = all.indexOf("\n\n", consumed);
      String block = all.substring(consumed, end);
      consumed = end + 2;
      Event e = parse(block);
      if (e != null) {
        return e;
      }
    }
  }

  /** The next event named {@code name}, skipping others (20 s at most in all). */
  public Event next(String name) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no '" + name + "' event within 20 s; read:\n" + text());
      }
      Event e = next();
      if (e.event().equals(name)) {
        return e;
      }
    }
  }

  /** Waits (bounded) until the server ended the response. */
  public void awaitEnd() {
    Await.result(ended.future(), 20);
  }

  private static Event parse(String block) {
    String event = null;
    String id = null;
    List<String> data = new ArrayList<>();
    for (String line : block.split("\n")) {
      if (line.startsWith("event: ")) {
        event = line.substring(7);
      } else if (line.startsWith("id: ")) {
        id = line.substring(4);
      } else if (line.startsWith("data: ")) {
        data.add(line.substring(6));
      }
    }
    return event == null && data.isEmpty() ? null : new Event(event == null ? "message" : event, id, String.join("\n", data));
  }

  @Override
  public void close() {
    response.request().connection().close();
  }
}

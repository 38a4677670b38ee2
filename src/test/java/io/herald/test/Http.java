package io.herald.test;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/** A real HTTP client for the REST API. */
public final class Http {
  /**
   * A client, and so a connection, per request, closed once the answer is read: no request ever
   * waits in (or reuses) a pool that belongs to a node another test already stopped on the same
   * port. The exchange runs on one event loop ({@link Await#onClientLoop}), where the response's
   * body handler is set before its body is read.
   */
  private static final io.vertx.core.http.HttpClientOptions OPTIONS =
      new io.vertx.core.http.HttpClientOptions().setKeepAlive(true).setConnectTimeout(5000);

  private Http() {}

  /** A response: status and JSON body (null when the body is empty or not JSON). */
  public record Response(int status, JsonObject json, String text) {}

  public static Response request(HttpMethod method, int port, String path, String token, String body) {
    return request(method, port, path, token, body, 30);
  }

  /** As above, giving up after {@code seconds} (an AssertionError), with extra headers (name, value, ...). */
  public static Response request(HttpMethod method, int port, String path, String token, String body, int seconds,
      String... headers) {
    RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(path)
        .setIdleTimeout(10_000);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      o.addHeader(headers[i], headers[i + 1]);
    }
    if (token != null) {
      o.addHeader("Authorization", "Bearer " + token);
    }
    if (body != null) {
      o.addHeader("content-type", "application/json");
    }
    // Where a request stood, for the message when it never completes (see Await.dumpThreads).
    StringBuffer trace = new StringBuffer(method + " " + path + ":");
    long start = System.nanoTime();
    java.util.function.Consumer<String> step = what -> trace.append(' ').append(what).append(" at ")
        .append((System.nanoTime() - start) / 1_000_000).append(" ms;");
    try {
      return requestTraced(o, body, step, seconds);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + " [" + trace + "]", e);
    }
  }

  private static Response requestTraced(RequestOptions o, String body, java.util.function.Consumer<String> step, int seconds) {
    HttpClient client = TestSocket.vertx().createHttpClient(OPTIONS);
    return Await.onClientLoop(() -> client.request(o)
        .andThen(ar -> step.accept(ar.succeeded() ? "connection " + ar.result().connection().localAddress() : "no connection"))
        .compose(req -> {
          req.connection().closeHandler(v -> step.accept("connection closed"));
          return (body == null ? req.send() : req.send(Buffer.buffer(body)))
              .andThen(ar -> step.accept(ar.succeeded() ? "response head " + ar.result().statusCode() : "failed " + ar.cause()));
        })
        .compose(resp -> resp.body().map(b -> {
          JsonObject json = null;
          try {
            json = b.length() == 0 ? null : b.toJsonObject();
          } catch (RuntimeException ignored) {
            // not JSON: the test looks at text
          }
          return new Response(resp.statusCode(), json, b.toString());
        })).andThen(ar -> client.close()), seconds);
  }

  public static Response post(int port, String path, String token, JsonObject body) {
    return request(HttpMethod.POST, port, path, token, body.encode());
  }

  public static Response get(int port, String path, String token) {
    return request(HttpMethod.GET, port, path, token, null);
  }

  /** Polls {@code path} every 50 ms (bounded) until its status is {@code status}; returns the last response. */
  public static Response awaitStatus(int port, String path, String token, int status, int seconds) {
    long deadline = System.currentTimeMillis() + seconds * 1000L;
    Response r = get(port, path, token);
    while (r.status() != status && System.currentTimeMillis() < deadline) {
      Await.result(TestSocket.vertx().timer(50));
      r = get(port, path, token);
    }
    return r;
  }
}

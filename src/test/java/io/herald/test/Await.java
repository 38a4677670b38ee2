package io.herald.test;

import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;

/** Blocks the test thread (never an event loop) on a future, bounded. */
public final class Await {
  private Await() {}

  public static <T> T result(Future<T> f) {
    return result(f, 30);
  }

  public static <T> T result(Future<T> f, int seconds) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError("future failed: " + e.getCause(), e.getCause());
    } catch (Exception e) {
      dumpThreads("future did not complete within " + seconds + " s");
      throw new AssertionError("future did not complete within " + seconds + " s", e);
    }
  }

  /** Writes every thread's stack to the test's output: a wait that timed out is a bug to find. */
  static void dumpThreads(String why) {
    StringBuilder sb = new StringBuilder("=== thread dump: ").append(why).append('\n');
    for (var t : Thread.getAllStackTraces().entrySet()) {
      sb.append('"').append(t.getKey().getName()).append("\" ").append(t.getKey().getState()).append('\n');
      for (StackTraceElement el : t.getValue()) {
        sb.append("    at ").append(el).append('\n');
      }
    }
    System.err.println(sb);
  }

  /**
   * Runs {@code op} on one event loop of the test clients' Vert.x and awaits its result. HTTP
   * calls whose response body is read go through here: made from the test thread, a request's
   * context and its connection's can be two event loops, and then Vert.x 5.0.10 may hand the body
   * to the request's loop before the {@code body()} handler exists there, and drop it (the
   * response head arrives; the body future never completes). On one loop the response's handlers
   * are set before its body is read.
   */
  public static <T> T onClientLoop(java.util.function.Supplier<Future<T>> op, int seconds) {
    io.vertx.core.Promise<T> result = io.vertx.core.Promise.promise();
    CLIENT_LOOP.runOnContext(v -> op.get().onComplete(result));
    return result(result.future(), seconds);
  }

  private static final io.vertx.core.Context CLIENT_LOOP = TestSocket.vertx().getOrCreateContext();

  /** The failure of a future that must fail. */
  public static Throwable failure(Future<?> f) {
    try {
      f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError("future did not complete", e);
    }
    throw new AssertionError("future succeeded but should have failed");
  }
}

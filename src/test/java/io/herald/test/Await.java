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

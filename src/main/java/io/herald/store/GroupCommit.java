package io.herald.store;

import io.herald.store.NotificationStore.Counted;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Group commit for single notifications: concurrent inserts share one statement, one round trip
 * and one commit ({@link NotificationStore#insertBatchCounted}).
 *
 * <p>There is no gathering window. While fewer than {@code maxInFlight} batches are at the
 * database, an insert leaves at once, alone, so at low load nothing waits longer than a single
 * insert did. Once {@code maxInFlight} batches are out, inserts queue, and each batch that comes
 * back sends what queued meanwhile (up to {@code maxBatch}) as the next one: the batch size grows
 * with the load and with the database's latency, by itself.
 *
 * <p>What the store promises holds per item: a batch takes its users' locks before drawing ids,
 * so per-user id order is commit order; an item's future completes only after its batch
 * committed; a batch that fails for the database's sake ({@link StoreUnavailableException}) fails
 * its own items only; a batch that fails for any other reason (one item the database refuses) is
 * retried item by item, so the others are stored and only the bad one fails. At most {@code
 * maxQueued} inserts wait: one more fails at once with {@link StoreUnavailableException}.
 *
 * <p>Not thread-safe: call it from one context (the store verticle's); the store's futures
 * complete on the calling context.
 */
final class GroupCommit {
  private record Pending(NewNotification item, Promise<Counted> promise) {}

  private final Function<List<NewNotification>, Future<List<Counted>>> insertMany;
  private final int maxInFlight;
  private final int maxBatch;
  private final int maxQueued;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int inFlight;

  GroupCommit(Function<List<NewNotification>, Future<List<Counted>>> insertMany, int maxInFlight, int maxBatch,
      int maxQueued) {
    if (maxInFlight < 1 || maxBatch < 1 || maxQueued < 0) {
      throw new IllegalArgumentException("maxInFlight and maxBatch must be at least 1, maxQueued at least 0");
    }
    this.insertMany = insertMany;
    this.maxInFlight = maxInFlight;
    this.maxBatch = maxBatch;
    this.maxQueued = maxQueued;
  }

  /** Stores {@code item} in the next batch; completes once that batch committed. */
  Future<Counted> insert(NewNotification item) {
    if (inFlight < maxInFlight) {
      Promise<Counted> promise = Promise.promise();
      send(List.of(new Pending(item, promise)));
      return promise.future();
    }
    if (queue.size() >= maxQueued) {
      return Future.failedFuture(new StoreUnavailableException(
          "the store is overloaded: " + queue.size() + " inserts are already waiting", null));
    }
    Promise<Counted> promise = Promise.promise();
    queue.add(new Pending(item, promise));
    return promise.future();
  }

  /** The store's batch insert; a throw is a failed future. */
  private Future<List<Counted>> insertMany(List<NewNotification> items) {
    try {
      return insertMany.apply(items);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** Inserts waiting for a batch (for tests and stats). */
  int queued() {
    return queue.size();
  }

  private void send(List<Pending> batch) {
    inFlight++;
    List<NewNotification> items = new ArrayList<>(batch.size());
    batch.forEach(p -> items.add(p.item()));
    insertMany(items).onComplete(ar -> {
      if (ar.succeeded()) {
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).promise().complete(ar.result().get(i));
        }
      } else if (batch.size() > 1 && !(ar.cause() instanceof StoreUnavailableException)) {
        // one refused item must not fail the others: each goes again on its own
        batch.forEach(p -> insertMany(List.of(p.item())).map(one -> one.get(0)).onComplete(p.promise()));
      } else {
        batch.forEach(p -> p.promise().fail(ar.cause()));
      }
      inFlight--;
      if (!queue.isEmpty()) {
        List<Pending> next = new ArrayList<>(Math.min(queue.size(), maxBatch));
        while (!queue.isEmpty() && next.size() < maxBatch) {
          next.add(queue.poll());
        }
        send(next);
      }
    });
  }
}

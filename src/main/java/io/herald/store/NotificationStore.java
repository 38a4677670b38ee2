package io.herald.store;

import io.vertx.core.Future;
import java.util.List;

/**
 * Durable per-user notification history: what a reconnecting client replays, what the history and
 * unread APIs read, and the read state. It does not deliver anything; routing does.
 *
 * <p><b>Ordering.</b> Ids are unique and, for one user, increase in commit order: once a reader
 * sees id {@code n} for a user, every notification of that user with a smaller id is already
 * visible. So a client that remembers the last id it received and calls {@link #after} misses
 * nothing and gets nothing twice. Ids are not contiguous (other users' ids and rolled-back inserts
 * leave gaps) and carry no order across users.
 *
 * <p><b>Idempotency.</b> {@link #insert} and {@link #insertBatch} are not idempotent: a retry after
 * a timeout may store a second copy (the first attempt may have committed). A batch is atomic: all
 * of it is stored or none. The read-marking methods are idempotent; {@link #purge} is too.
 *
 * <p><b>Isolation.</b> Every read and update is scoped to {@code userId}: an id belonging to another
 * user is treated as absent.
 *
 * <p><b>Failures.</b> Futures fail with {@link StoreUnavailableException} when the database cannot be
 * reached or does not answer in time (callers answer 503), and with {@link IllegalArgumentException}
 * for a bad argument (callers answer 400). Nothing blocks the calling event loop.
 */
public interface NotificationStore {
  /** Largest {@code limit} for {@link #page}. */
  int MAX_PAGE = 100;
  /** Largest {@code limit} for {@link #after} and {@link #unread}. */
  int MAX_REPLAY = 1000;
  /** Largest batch for {@link #insertBatch}. */
  int MAX_BATCH = 1000;

  /** A stored notification and its user's unread count right after it committed (it included). */
  record Counted(StoredNotification item, long unread) {}

  /** Stores one notification; the result carries its id and timestamp. */
  Future<StoredNotification> insert(NewNotification notification);

  /**
   * As {@link #insert}, with the user's unread count once it committed, read in the same round trip
   * (it counts at least every notification of the user committed before this one).
   */
  Future<Counted> insertCounted(NewNotification notification);

  /** As {@link #insertBatch}, with each item's user's unread count after the batch committed. */
  Future<List<Counted>> insertBatchCounted(List<NewNotification> notifications);

  /**
   * Stores several notifications (for any users) in one transaction, all or nothing. The result is
   * in input order, and the ids of one user's items increase in input order.
   */
  Future<List<StoredNotification>> insertBatch(List<NewNotification> notifications);

  /** Replay: the user's notifications with id > {@code afterId}, ascending, at most {@code limit}. */
  Future<List<StoredNotification>> after(String userId, long afterId, int limit);

  /** The user's newest {@code limit} unread notifications, returned in ascending id order. */
  Future<List<StoredNotification>> unread(String userId, int limit);

  /**
   * History, newest first: notifications with id < {@code before} (all when null), at most {@code
   * limit} (capped at {@link #MAX_PAGE}).
   */
  Future<Page> page(String userId, Long before, int limit);

  /** Marks the given ids read where they are the user's; the count of rows that changed. */
  Future<Integer> markRead(String userId, List<Long> ids);

  /** Marks all the user's notifications read; the count of rows that changed. */
  Future<Integer> markAllRead(String userId);

  /** Marks one notification read: true if it is the user's (read before or not), false if not. */
  Future<Boolean> markOneRead(String userId, long id);

  Future<Long> unreadCount(String userId);

  /**
   * Deletes notifications older than {@code maxAgeDays} and all but each user's newest {@code
   * maxPerUser}; the count deleted.
   */
  Future<Integer> purge(int maxAgeDays, int maxPerUser);

  /** One cheap round trip to the database (health probe). */
  Future<Void> ping();
}

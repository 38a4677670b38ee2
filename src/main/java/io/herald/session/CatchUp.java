package io.herald.session;

import io.herald.protocol.CloseCodes;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.ProtocolException;
import io.herald.protocol.ServerFrame;
import io.herald.store.StoredNotification;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.List;

/**
 * A session's catch-up: replay, then live, with no gap and no duplicate. The session joins its
 * personal room before the catch-up reads the store, so any item committed after that read also
 * reaches it live; live frames are held back until the replay is sent, and those the replay
 * already contained (a stored id up to the last replayed one) are dropped, then and later. Then
 * the unread count follows, and the held frames.
 *
 * <p>Used on the session's context only.
 */
final class CatchUp {
  /** Stored items replayed per store request. */
  static final int REPLAY_PAGE = 1000;
  /** Live frames held back while catching up; more means the client cannot keep up. */
  static final int MAX_HELD_FRAMES = 10_000;

  /** Where a reconnecting client resumes: after {@code after}, or (null) from its newest unread; {@code error} for a bad cursor. */
  record Cursor(Long after, String error) {
    static final Cursor NONE = new Cursor(null, null);

    /** Parses a client's cursor (a notification id); a bad one is reported after 'connected', and the unread are sent. */
    static Cursor parse(String lastNotificationId) {
      if (lastNotificationId == null || lastNotificationId.isBlank()) {
        return NONE;
      }
      try {
        long n = Long.parseLong(lastNotificationId.trim());
        if (n >= 0) {
          return new Cursor(n, null);
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      return new Cursor(null, "lastNotificationId must be a non-negative integer");
    }
  }

  private final Session session;
  private final SessionServices services;
  /** Non-null while catching up: live frames held back until the replay ends. */
  private ArrayDeque<ServerFrame> held = new ArrayDeque<>();
  /**
   * The highest id the catch-up sent. A live copy of any id up to it is a duplicate: it was
   * committed before the replay query, so the replay had it (its live copy may arrive later still).
   */
  private long replayedUpTo = -1;

  CatchUp(Session session, SessionServices services) {
    this.session = session;
    this.services = services;
  }

  /**
   * Whether a live frame must not be sent now: a duplicate of a replayed item (dropped), or a frame
   * held back while catching up (sent when the catch-up ends). Closes a session that holds too many.
   */
  boolean absorbs(ServerFrame frame) {
    if (frame.isStored() && frame.notificationId() <= replayedUpTo) {
      return true;
    }
    if (held == null) {
      return false;
    }
    if (held.size() >= MAX_HELD_FRAMES) {
      session.close(CloseCodes.SLOW_CONSUMER, "too many messages while catching up");
    } else {
      held.add(frame);
    }
    return true;
  }

  /** The session closed: nothing held is kept. */
  void stop() {
    held = null;
  }

  /** Replays from {@code cursor} for {@code userId}, sends the unread count, then the held frames. */
  void run(String userId, Cursor cursor, int unreadLimit) {
    if (cursor.error() != null) {
      session.send(ServerFrame.error(ErrorCode.BAD_REQUEST, cursor.error(), null));
    }
    if (cursor.after() == null) {
      // Most connects have nothing unread: the kept count (one primary-key read) says so, and the
      // list is not read at all. Anything committed after it reaches the session live (it is
      // admitted already), with its own unread_count.
      services.unreadCount(userId).onComplete(count -> {
        if (count.succeeded() && count.result() == 0) {
          session.metrics().replay("none", 0);
          replayedUpTo = -1;
          finish(count);
        } else {
          replay(userId, services.unread(userId, unreadLimit).map(this::sendStored));
        }
      });
      return;
    }
    replay(userId, resumeFrom(userId, cursor.after()));
  }

  /** After {@code replayed} (the last id it sent), the unread count, then the held frames. */
  private void replay(String userId, Future<Long> replayed) {
    replayed
        .andThen(ar -> {
          session.metrics().replay(ar.succeeded() ? "ok" : "failed", 0);
          if (ar.failed()) {
            session.send(ServerFrame.error(code(ar.cause()), "could not replay stored notifications; reconnect later", null));
            session.transport().replayFailed();
          }
          replayedUpTo = ar.succeeded() ? ar.result() : -1;
        })
        .transform(ar -> services.unreadCount(userId))
        .onComplete(this::finish);
  }

  /** Sends the unread count (or why it is missing), then the frames held back meanwhile. */
  private void finish(io.vertx.core.AsyncResult<Long> count) {
    if (count.succeeded()) {
      session.send(ServerFrame.event("unread_count", new JsonObject().put("count", count.result())));
    } else {
      session.send(ServerFrame.error(code(count.cause()), "unread count unavailable", null));
    }
    ArrayDeque<ServerFrame> frames = held;
    held = null;
    while (frames != null && !frames.isEmpty() && session.state() == Session.State.OPEN) {
      session.deliverOnEventLoop(frames.poll(), null);
    }
  }

  /**
   * Replays after the client's cursor; completes with the id up to which live copies are
   * duplicates. That is the last id sent, or the cursor itself when the client already has
   * everything up to it, but never more than the user's newest id when the replay started: a
   * cursor from another database, a restore or a buggy client must not mute later notifications.
   * The newest id is read first, so anything committed after it has a larger id (per-user id order
   * is commit order) and is delivered live.
   */
  private Future<Long> resumeFrom(String user, long cursor) {
    return services.newestId(user).compose(newestId ->
        replayAfter(user, cursor, -1).map(sent -> Math.max(sent, Math.min(cursor, newestId))));
  }

  /**
   * Sends every stored item after {@code afterId}, a page at a time (each page is written before the
   * next is read, and a client that cannot keep up hits the outbound-queue limit); completes with
   * the last id sent ({@code sentUpTo} when none).
   */
  private Future<Long> replayAfter(String user, long afterId, long sentUpTo) {
    return services.after(user, afterId, REPLAY_PAGE).compose(items -> {
      long last = items.isEmpty() ? sentUpTo : sendStored(items);
      if (items.size() < REPLAY_PAGE || session.state() != Session.State.OPEN) {
        return Future.succeededFuture(last);
      }
      return replayAfter(user, last, last);
    });
  }

  /** Sends stored items in order; returns the highest id sent (or -1 when none). */
  private long sendStored(List<StoredNotification> items) {
    long last = -1;
    for (StoredNotification item : items) {
      session.send(item.toFrame());
      last = Math.max(last, item.id());
    }
    session.metrics().replay(null, items.size());
    return last;
  }

  private static ErrorCode code(Throwable err) {
    return err instanceof ProtocolException pe ? pe.code() : ErrorCode.INTERNAL;
  }
}

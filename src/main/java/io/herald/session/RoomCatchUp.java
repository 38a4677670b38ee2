package io.herald.session;

import io.herald.protocol.CloseCodes;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.ProtocolException;
import io.herald.protocol.ServerFrame;
import io.herald.store.RoomEvent;
import io.herald.store.RoomHistoryClient;
import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A session's replays of room history ({@code join-room} with {@code since}): the same no-gap,
 * no-duplicate rule as {@link CatchUp}, per room. The session is already in the room when the
 * history is read, so an event committed after the read reaches it live; live events of the room
 * are held back from before the join until the replay has been sent, and those the replay already sent (a history id up to the
 * last one replayed) are dropped, then and later.
 *
 * <p>Used on the session's context only; made at the first replay.
 */
final class RoomCatchUp {
  /** Events read per store request. */
  static final int PAGE = 500;

  private static final class Replay {
    /** Non-null while the replay runs. */
    ArrayDeque<ServerFrame> held = new ArrayDeque<>();
    /** A live copy of an id up to this one was replayed already. */
    long upTo;

    Replay(long since) {
      upTo = since;
    }
  }

  private final Session session;
  private final RoomHistoryClient history;
  private final Map<String, Replay> rooms = new HashMap<>(2);

  RoomCatchUp(Session session, RoomHistoryClient history) {
    this.session = session;
    this.history = history;
  }

  /** Whether a live frame must not be sent now: held during its room's replay, or already replayed. */
  boolean absorbs(ServerFrame frame) {
    Replay r = rooms.get(frame.room());
    if (r == null) {
      return false;
    }
    if (r.held != null) {
      if (r.held.size() >= CatchUp.MAX_HELD_FRAMES) {
        session.close(CloseCodes.SLOW_CONSUMER, "too many messages while catching up");
      } else {
        r.held.add(frame);
      }
      return true;
    }
    return frame.roomEventId() >= 0 && frame.roomEventId() <= r.upTo;
  }

  /**
   * Joins {@code room} with {@code join}, then sends its events after {@code since}, then what was
   * held; completes with how many were replayed. Live frames of the room are held from before the
   * join: once the join lists this node, frames reach the session at once, and one that arrived
   * before the holding began would be neither held nor recognised as replayed.
   */
  Future<Integer> joinAndReplay(String room, long since, Supplier<Future<Void>> join) {
    Replay existing = rooms.get(room);
    if (existing != null && existing.held != null) {
      return Future.failedFuture(new ProtocolException(ErrorCode.BAD_REQUEST, "a replay of " + room + " is already running"));
    }
    Replay r = new Replay(Math.max(since, existing == null ? since : existing.upTo));
    rooms.put(room, r);
    return join.get()
        .onFailure(err -> rooms.remove(room, r))
        .compose(v -> page(room, since, 0))
        .andThen(ar -> {
          ArrayDeque<ServerFrame> frames = r.held;
          r.held = null;
          while (frames != null && !frames.isEmpty() && session.state() == Session.State.OPEN) {
            session.deliverOnEventLoop(frames.poll(), null);
          }
        });
  }

  private Future<Integer> page(String room, long after, int sent) {
    return history.after(room, after, PAGE).compose(events -> {
      Replay r = rooms.get(room);
      long last = after;
      for (RoomEvent e : events) {
        session.send(e.toFrame());
        last = e.id();
      }
      if (r != null) {
        r.upTo = Math.max(r.upTo, last);
      }
      int total = sent + events.size();
      return events.size() < PAGE || session.state() != Session.State.OPEN ? Future.succeededFuture(total) : page(room, last, total);
    });
  }

  /** The session left {@code room}: nothing of it is held or remembered. */
  void forget(String room) {
    rooms.remove(room);
  }
}

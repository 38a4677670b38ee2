package io.herald.session;

import io.herald.protocol.ErrorCode;
import io.herald.protocol.ProtocolException;
import io.herald.room.RoomPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.function.Predicate;

/**
 * The rooms of one session. Most sessions are in a handful of rooms (the personal room and a few
 * more), so they are kept in an array sized to fit, searched linearly; past {@link #SMALL} rooms
 * a hash set takes over. An idle session in its personal room costs one 1-slot array instead of a
 * HashSet with its map, table and node. Not thread-safe: used on the session's context.
 */
final class RoomSet {
  /** Above this many rooms a linear search is no longer cheap. */
  static final int SMALL = 16;
  private static final String[] NONE = new String[0];

  private String[] small = NONE;
  private int size;
  private HashSet<String> large;

  boolean contains(String room) {
    if (large != null) {
      return large.contains(room);
    }
    return indexOf(room) >= 0;
  }

  /** Adds a room; false when it was already there. */
  boolean add(String room) {
    if (large != null) {
      return large.add(room);
    }
    if (indexOf(room) >= 0) {
      return false;
    }
    if (size == SMALL) {
      large = new HashSet<>(Arrays.asList(small));
      small = NONE;
      size = 0;
      return large.add(room);
    }
    if (size == small.length) {
      small = Arrays.copyOf(small, Math.min(SMALL, Math.max(1, size * 2)));
    }
    small[size++] = room;
    return true;
  }

  /** Removes a room; false when it was not there. */
  boolean remove(String room) {
    if (large != null) {
      return large.remove(room);
    }
    int i = indexOf(room);
    if (i < 0) {
      return false;
    }
    System.arraycopy(small, i + 1, small, i, size - i - 1);
    small[--size] = null;
    return true;
  }

  /**
   * Null when {@code room} may be added, else the error: rooms and status subscriptions have
   * separate limits, and {@code personal} (the user's own room) counts in neither.
   */
  ProtocolException checkLimits(String room, String personal, int maxRooms, int maxSubscriptions) {
    int subscriptions = count(RoomPolicy::isInternal);
    if (RoomPolicy.isInternal(room)) {
      return subscriptions < maxSubscriptions ? null
          : new ProtocolException(ErrorCode.TOO_MANY_SUBSCRIPTIONS, "at most " + maxSubscriptions + " status subscriptions per connection");
    }
    return room.equals(personal) || named(personal) < maxRooms ? null
        : new ProtocolException(ErrorCode.TOO_MANY_ROOMS, "at most " + maxRooms + " rooms per connection");
  }

  /** Named rooms: not {@code personal}, not status subscriptions. */
  int named(String personal) {
    return count(r -> !RoomPolicy.isInternal(r) && !r.equals(personal));
  }

  /** How many rooms match {@code test}. */
  int count(Predicate<String> test) {
    if (large != null) {
      return (int) large.stream().filter(test).count();
    }
    int n = 0;
    for (int i = 0; i < size; i++) {
      n += test.test(small[i]) ? 1 : 0;
    }
    return n;
  }

  int size() {
    return large != null ? large.size() : size;
  }

  /** A copy, safe to iterate while rooms are left. */
  List<String> snapshot() {
    return large != null ? new ArrayList<>(large) : Arrays.asList(Arrays.copyOf(small, size));
  }

  private int indexOf(String room) {
    for (int i = 0; i < size; i++) {
      if (small[i].equals(room)) {
        return i;
      }
    }
    return -1;
  }
}

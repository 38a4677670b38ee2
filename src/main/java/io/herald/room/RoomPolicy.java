package io.herald.room;

import io.herald.auth.Principal;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.ProtocolException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Who may join which room. Names are at most 128 characters of {@code [A-Za-z0-9:_.@-]}; the part
 * before the first ':' is the prefix. {@code user:{id}} admits only that user, {@code
 * private:{a}:{b}} only a or b, an open prefix (config) anyone, and any other room only a token
 * whose rooms claim lists a matching pattern ({@code course:*}, {@code course:123}).
 */
public final class RoomPolicy {
  public static final int MAX_NAME_LENGTH = 128;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9:_.@-]{1," + MAX_NAME_LENGTH + "}");

  private final List<String> openPrefixes;

  public RoomPolicy(List<String> openPrefixes) {
    this.openPrefixes = List.copyOf(openPrefixes);
  }

  /** Prefix of personal rooms, {@code user:{userId}}: every session is in its user's. */
  public static final String USER_PREFIX = "user";
  /** Prefix of private rooms, {@code private:{a}:{b}}: only a and b may join. */
  public static final String PRIVATE_PREFIX = "private";
  /**
   * Prefix of internal rooms: {@code presence:{userId}} carries one user's status changes to its
   * subscribers. Clients never join them by name (subscribe-user-status does).
   */
  public static final String STATUS_PREFIX = "presence";

  /** The personal room of a user. */
  public static String userRoom(String userId) {
    return USER_PREFIX + ":" + userId;
  }

  /** The internal room whose members receive a user's {@code user_status} events. */
  public static String statusRoom(String userId) {
    return STATUS_PREFIX + ":" + userId;
  }

  /** The user whose status a status room carries. */
  public static String statusRoomUser(String room) {
    return room.substring(STATUS_PREFIX.length() + 1);
  }

  /** True for a personal room. */
  public static boolean isUserRoom(String room) {
    return prefix(room).equals(USER_PREFIX);
  }

  /** Throws BAD_REQUEST for a malformed name. */
  public static void validateName(String room) {
    if (room == null || room.isEmpty()) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "room is required");
    }
    if (!NAME.matcher(room).matches()) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST,
          "room must be 1-" + MAX_NAME_LENGTH + " characters of A-Z a-z 0-9 : _ . @ -");
    }
  }

  /** True for internal rooms such as {@code presence:{userId}}. */
  public static boolean isInternal(String room) {
    return prefix(room).equals(STATUS_PREFIX);
  }

  public static String prefix(String room) {
    int colon = room.indexOf(':');
    return colon < 0 ? room : room.substring(0, colon);
  }

  /** Throws BAD_REQUEST for a malformed name, FORBIDDEN when {@code who} may not join. */
  public void checkJoin(Principal who, String room) {
    validateName(room);
    if (!mayJoin(who, room)) {
      throw new ProtocolException(ErrorCode.FORBIDDEN, "not allowed to join room " + room);
    }
  }

  /** Whether {@code who} may be in {@code room} (a well-formed name): the check {@link #checkJoin} makes. */
  public boolean allows(Principal who, String room) {
    return mayJoin(who, room);
  }

  boolean mayJoin(Principal who, String room) {
    String prefix = prefix(room);
    if (prefix.equals(STATUS_PREFIX)) {
      return false; // status subscriptions go through subscribe-user-status
    }
    if (prefix.equals(USER_PREFIX)) {
      return room.equals(userRoom(who.userId()));
    }
    if (prefix.equals(PRIVATE_PREFIX)) {
      String[] parts = room.split(":", -1);
      return parts.length == 3 && (parts[1].equals(who.userId()) || parts[2].equals(who.userId()));
    }
    if (openPrefixes.contains(prefix)) {
      return true;
    }
    for (String pattern : who.roomPatterns()) {
      if (matches(pattern, room)) {
        return true;
      }
    }
    return false;
  }

  /** Glob match where {@code *} stands for any run of characters. */
  public static boolean matches(String pattern, String room) {
    int star = pattern.indexOf('*');
    if (star < 0) {
      return pattern.equals(room);
    }
    String regex = ("\\Q" + pattern.replace("*", "\\E.*\\Q") + "\\E");
    return room.matches(regex);
  }
}

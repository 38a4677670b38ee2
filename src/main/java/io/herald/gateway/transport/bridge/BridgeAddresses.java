package io.herald.gateway.transport.bridge;

import java.util.Map;

/**
 * The addresses a client of the event-bus bridge endpoint ({@code bridge.path}, docs/transport-eventbus-bridge.md)
 * may use. They are wire addresses of the bridge protocol, not event-bus addresses: Herald serves
 * them from the node's sessions, and nothing is ever registered on, or sent over, the event bus
 * under these names.
 *
 * <p>Renaming one is a breaking change for bridge clients.
 */
public final class BridgeAddresses {
  private BridgeAddresses() {}

  /** {@code herald.user.{userId}}: the events of one user (notifications, unread counts, broadcasts). Register only your own. */
  public static final String USER_PREFIX = "herald.user.";
  /** {@code herald.room.{room}}: the events of one room; registering joins it, as the room policy allows. */
  public static final String ROOM_PREFIX = "herald.room.";

  /** Send: a liveness check; the reply body is {@code {"event":"pong","data":{"timestamp"}}}. */
  public static final String PING = "herald.ping";
  /** Send {@code {"token"}}: a later token for the same user, so the socket outlives the first one. */
  public static final String TOKEN_REFRESH = "herald.token.refresh";
  /** Send: the user's unread count; reply {@code unread_count}. */
  public static final String UNREAD_COUNT = "herald.notifications.unread-count";
  /** Send {@code {"before"?, "limit"?}}: a page of the user's stored notifications, newest first. */
  public static final String HISTORY = "herald.notifications.history";
  /** Send {@code {"ids": [..]}}: mark some notifications read. */
  public static final String MARK_READ = "herald.notifications.mark-read";
  /** Send: mark all the user's notifications read. */
  public static final String MARK_ALL_READ = "herald.notifications.mark-all-read";

  /** The messaging events (docs/messaging.md), each the /ws event named in {@link #SEND_EVENTS}. */
  public static final String MESSAGE_SEND = "herald.messages.send";
  public static final String MESSAGE_HISTORY = "herald.messages.history";
  public static final String CONVERSATIONS = "herald.messages.conversations";
  public static final String MESSAGE_MARK_READ = "herald.messages.mark-read";
  public static final String TYPING = "herald.messages.typing";
  public static final String BLOCK = "herald.users.block";
  public static final String UNBLOCK = "herald.users.unblock";
  public static final String ROOM_PUBLISH = "herald.rooms.publish";
  public static final String ROOM_HISTORY = "herald.rooms.history";
  public static final String ROOM_TYPING_START = "herald.rooms.typing-start";
  public static final String ROOM_TYPING_STOP = "herald.rooms.typing-stop";

  /** The only addresses a client may send or publish to, with the session event each one is. */
  public static final Map<String, String> SEND_EVENTS = Map.ofEntries(
      Map.entry(PING, "ping"),
      Map.entry(TOKEN_REFRESH, "refresh-token"),
      Map.entry(UNREAD_COUNT, "get-unread-count"),
      Map.entry(HISTORY, "get-notifications"),
      Map.entry(MARK_READ, "mark-read"),
      Map.entry(MARK_ALL_READ, "mark-all-read"),
      Map.entry(MESSAGE_SEND, "sendMessage"),
      Map.entry(MESSAGE_HISTORY, "get-messages"),
      Map.entry(CONVERSATIONS, "get-conversations"),
      Map.entry(MESSAGE_MARK_READ, "markAsRead"),
      Map.entry(TYPING, "typing"),
      Map.entry(BLOCK, "block-user"),
      Map.entry(UNBLOCK, "unblock-user"),
      Map.entry(ROOM_PUBLISH, "publish"),
      Map.entry(ROOM_HISTORY, "get-room-history"),
      Map.entry(ROOM_TYPING_START, "typing_start"),
      Map.entry(ROOM_TYPING_STOP, "typing_stop"));

  public static String user(String userId) {
    return USER_PREFIX + userId;
  }

  public static String room(String room) {
    return ROOM_PREFIX + room;
  }
}

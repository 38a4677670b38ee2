package io.herald.protocol;

import java.util.Set;

/**
 * Event names only the server sends: a client's {@code publish} may never use one, so a member of a
 * room cannot forge a notification, an error or another user's message. The one list; a test checks
 * that every event name the server code sends is on it. Socket.IO aliases (config) are reserved too.
 */
public final class ReservedEvents {
  private ReservedEvents() {}

  public static final Set<String> NAMES = Set.of(
      // connection and errors
      "connected", "error", "reconnect", "close", "pong", "auth", "token-refreshed", "ack",
      // notifications
      "notification", "notifications", "unread_count", "marked-read",
      // rooms and presence
      "joined-room", "left-room", "subscribed", "unsubscribed", "room-presence", "online-status",
      "user_status", "user_presence", "presence:online", "presence:offline",
      // direct messages and typing
      "message:new", "message:sent", "message:read", "messages", "conversations", "conversation:unread",
      "message:marked-read", "blocked", "unblocked",
      "typing:start", "typing:stop", "typing_indicator", "MESSAGE_BROADCAST", "TYPING_INDICATOR",
      // room events and dashboards
      "published", "room-history", "stats_update", "announcement", "activity", "messageReceived");

  /** Whether clients may not publish {@code event}. */
  public static boolean reserved(String event) {
    return NAMES.contains(event);
  }
}

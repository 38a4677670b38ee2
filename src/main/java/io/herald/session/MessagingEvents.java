package io.herald.session;

import io.herald.protocol.ErrorCode;
import io.herald.protocol.ProtocolException;
import io.herald.protocol.ReservedEvents;
import io.herald.protocol.ServerFrame;
import io.herald.room.RoomPolicy;
import io.herald.store.DirectMessage;
import io.herald.store.MessageClient;
import io.herald.store.PgMessageStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The client events of direct messages, typing and client room events (docs/messaging.md):
 * {@code sendMessage}, {@code get-messages}, {@code get-conversations}, {@code markAsRead},
 * {@code block-user}, {@code unblock-user}, {@code typing}, {@code typing_start},
 * {@code typing_stop} and {@code publish}. Messages are stored and delivered by routing; typing and
 * room events are routed as they are, never stored.
 */
final class MessagingEvents {
  /** Longest user id, client message id and event name a client may give. */
  static final int MAX_ID_LENGTH = 256;
  static final int MAX_CLIENT_ID_LENGTH = 128;
  private static final Pattern EVENT_NAME = Pattern.compile("[A-Za-z0-9_:.-]{1,64}");

  private final SessionHub hub;
  private final MessageClient messages;
  private final Typing typing;

  MessagingEvents(SessionHub hub) {
    this.hub = hub;
    this.messages = new MessageClient(hub.vertx);
    this.typing = new Typing(hub.vertx, hub.config.typingIntervalMs, hub.config.typingTimeoutMs, hub.services::nanos);
  }

  void registerOn(EventHandlers handlers) {
    handlers.register("sendMessage", this::sendMessage);
    handlers.register("get-messages", this::history);
    handlers.register("get-conversations", this::conversations);
    handlers.register("markAsRead", this::markAsRead);
    handlers.register("block-user", (s, d) -> block(s, d, true));
    handlers.register("unblock-user", (s, d) -> block(s, d, false));
    handlers.register("typing", this::typingToUser);
    handlers.register("typing_start", (s, d) -> typingInRoom(s, d, true));
    handlers.register("typing_stop", (s, d) -> typingInRoom(s, d, false));
    handlers.register("publish", this::publish);
    handlers.register("get-room-history", this::roomHistory);
  }

  // ---- direct messages -----------------------------------------------------------------------

  private Future<EventHandlers.Reply> sendMessage(Session s, JsonObject data) {
    String receiver = otherUser(s, data, "receiverId");
    Object content = data.getValue("content");
    if (!(content instanceof String text) || text.isEmpty() || text.length() > hub.config.messagingMaxContentChars) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST,
          "content must be a string of 1-" + hub.config.messagingMaxContentChars + " characters (messaging.max-content-chars)");
    }
    String clientId = optionalId(data, "clientMessageId", MAX_CLIENT_ID_LENGTH);
    return s.inOrder(() -> mayMessage(s, receiver)
        .compose(v -> hub.routing.directMessage(s.userId(), s.id(), receiver, text, clientId))
        .map(sent -> new EventHandlers.Reply("message:sent", sent)));
  }

  private Future<EventHandlers.Reply> history(Session s, JsonObject data) {
    String with = otherUser(s, data, "with");
    return messages.history(s.userId(), with, EventHandlers.optionalLong(data, "before"), limit(data))
        .map(page -> new EventHandlers.Reply("messages", page.put("with", with)));
  }

  private Future<EventHandlers.Reply> conversations(Session s, JsonObject data) {
    return messages.conversations(s.userId(), EventHandlers.optionalLong(data, "before"), limit(data))
        .map(page -> new EventHandlers.Reply("conversations", page));
  }

  /**
   * {@code {"messageId"}} or {@code {"conversationId","upTo"?}}: the reader's mark moves up, the
   * sender's sessions get {@code message:read}, the reader's other sessions the conversation's new
   * unread count.
   */
  private Future<EventHandlers.Reply> markAsRead(Session s, JsonObject data) {
    Future<PgMessageStore.ReadMark> marked;
    if (data.getValue("messageId") != null) {
      marked = messages.markRead(s.userId(), messageId(data.getValue("messageId")));
    } else {
      Object conversation = data.getValue("conversationId");
      if (!(conversation instanceof String c) || !c.startsWith(DirectMessage.CONVERSATION_PREFIX)) {
        throw new ProtocolException(ErrorCode.BAD_REQUEST, "messageId, or conversationId (private:{a}:{b}), is required");
      }
      marked = messages.markConversationRead(s.userId(), c, EventHandlers.optionalLong(data, "upTo"));
    }
    return marked.map(mark -> {
      if (mark == null) {
        throw new ProtocolException(ErrorCode.NOT_FOUND, "no such message or conversation of yours");
      }
      long now = hub.services.millis();
      hub.routing.toRoom(RoomPolicy.userRoom(mark.peerId()), ServerFrame.event("message:read", new JsonObject()
          .put("messageId", mark.upTo()).put("conversationId", mark.conversationId())
          .put("readerId", s.userId()).put("timestamp", now)));
      JsonObject unread = new JsonObject().put("conversationId", mark.conversationId()).put("unread", mark.unread())
          .put("readUpTo", mark.upTo());
      hub.routing.toRoom(RoomPolicy.userRoom(s.userId()), ServerFrame.event("conversation:unread", unread).except(s.id(), null));
      return new EventHandlers.Reply("message:marked-read", unread);
    });
  }

  private Future<EventHandlers.Reply> block(Session s, JsonObject data, boolean block) {
    String other = otherUser(s, data, "userId");
    return (block ? messages.block(s.userId(), other) : messages.unblock(s.userId(), other))
        .map(changed -> new EventHandlers.Reply(block ? "blocked" : "unblocked",
            new JsonObject().put("userId", other).put("changed", changed)));
  }

  /**
   * The messaging policy: FORBIDDEN unless {@code s}'s user may message {@code receiver} (a block
   * is checked by the store, in the send's own transaction).
   */
  private Future<Void> mayMessage(Session s, String receiver) {
    switch (hub.config.messagingPolicy) {
      case "claim":
        for (String pattern : s.principal().messagePatterns()) {
          if (RoomPolicy.matches(pattern, receiver)) {
            return Future.succeededFuture();
          }
        }
        return forbidden(receiver, "the token's '" + hub.config.messagingClaim + "' claim does not list them");
      case "shared-room":
        return sharesRoom(s, receiver, new ArrayList<>(namedRooms(s)), 0);
      default:
        return Future.succeededFuture();
    }
  }

  private Future<Void> sharesRoom(Session s, String receiver, List<String> rooms, int i) {
    if (i >= rooms.size()) {
      return forbidden(receiver, "no room of yours has them in it (messaging.policy: shared-room)");
    }
    return hub.routing.roomMembers(rooms.get(i))
        .recover(err -> Future.failedFuture(new ProtocolException(ErrorCode.UNAVAILABLE, "room membership unavailable")))
        .compose(users -> users.contains(receiver) ? Future.succeededFuture() : sharesRoom(s, receiver, rooms, i + 1));
  }

  private static List<String> namedRooms(Session s) {
    List<String> out = new ArrayList<>();
    String personal = RoomPolicy.userRoom(s.userId());
    for (String room : s.roomsSnapshot()) {
      if (!room.equals(personal) && !RoomPolicy.isInternal(room)) {
        out.add(room);
      }
    }
    return out;
  }

  private static Future<Void> forbidden(String receiver, String why) {
    return Future.failedFuture(new ProtocolException(ErrorCode.FORBIDDEN, "not allowed to message " + receiver + ": " + why));
  }

  // ---- typing ----------------------------------------------------------------------------------

  /**
   * {@code {"receiverId","isTyping"}}: the receiver's sessions get {@code typing:start} or
   * {@code typing:stop}. Answered with nothing: typing is fire and forget (errors still come back).
   */
  private Future<EventHandlers.Reply> typingToUser(Session s, JsonObject data) {
    String receiver = otherUser(s, data, "receiverId");
    Object isTyping = data.getValue("isTyping");
    if (!(isTyping instanceof Boolean on)) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "isTyping must be true or false");
    }
    String key = s.userId() + "\u0000u\u0000" + receiver;
    String user = s.userId();
    String conversation = DirectMessage.conversationOf(user, receiver);
    String room = RoomPolicy.userRoom(receiver);
    Future<Void> allowed = typing.active(key) || !on ? Future.succeededFuture()
        : mayMessage(s, receiver).compose(v -> messages.blocked(user, receiver)).compose(blocked -> blocked
            ? forbidden(receiver, "one of you blocked the other") : Future.succeededFuture());
    return allowed.map(v -> {
      if (s.trackTyping(key)) {
        typing.update(key, on, now -> hub.routing.toRoom(room, ServerFrame.event(now ? "typing:start" : "typing:stop",
            new JsonObject().put("userId", user).put("conversationId", conversation).put("isTyping", now))));
      }
      return null;
    });
  }

  /**
   * {@code {"room","discussionId"?}}: the room's other members get {@code typing_indicator}. Only a
   * member may type in a room.
   */
  private Future<EventHandlers.Reply> typingInRoom(Session s, JsonObject data, boolean on) {
    String room = memberRoom(s, data);
    Object discussion = data.getValue("discussionId");
    if (discussion != null && !(discussion instanceof String) && !(discussion instanceof Number)) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "discussionId must be a string or a number");
    }
    String discussionId = discussion == null ? null : discussion.toString();
    if (discussionId != null && discussionId.length() > MAX_ID_LENGTH) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "discussionId is too long");
    }
    String user = s.userId();
    String key = user + "\u0000r\u0000" + room + "\u0000" + (discussionId == null ? "" : discussionId);
    if (s.trackTyping(key)) {
      typing.update(key, on, now -> hub.routing.toRoom(room, ServerFrame.toRoom("typing_indicator", new JsonObject()
          .put("userId", user).put("room", room).put("discussionId", discussionId).put("isTyping", now), room)
          .except(null, user)));
    }
    return Future.succeededFuture(null);
  }

  /** Whether a typing key still has state (its user typed toward it within the last interval or so). */
  boolean typingActive(String key) {
    return typing.active(key);
  }

  /** The session ended: whatever it was typing stops. */
  void sessionClosed(List<String> typingKeys) {
    typingKeys.forEach(typing::stopped);
  }

  // ---- client room events ----------------------------------------------------------------------

  /**
   * {@code {"room","event","data"}}: a member publishes to a room whose prefix
   * {@code rooms.client-publish-prefixes} lists; the other sessions in it get {@code {event, room,
   * data, from}}.
   */
  private Future<EventHandlers.Reply> publish(Session s, JsonObject data) {
    String room = memberRoom(s, data);
    if (!hub.config.clientPublishPrefixes.contains(RoomPolicy.prefix(room))) {
      throw new ProtocolException(ErrorCode.FORBIDDEN, "clients may not publish to " + room
          + " (rooms.client-publish-prefixes does not list '" + RoomPolicy.prefix(room) + "')");
    }
    Object event = data.getValue("event");
    if (!(event instanceof String name) || !EVENT_NAME.matcher(name).matches()) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "event must be 1-64 characters of A-Z a-z 0-9 _ : . -");
    }
    if (ReservedEvents.reserved(name) || hub.aliasNames.contains(name)) {
      throw new ProtocolException(ErrorCode.FORBIDDEN, "'" + name + "' is a server event; clients may not publish it");
    }
    Object payload = data.getValue("data");
    JsonObject published = new JsonObject().put("room", room).put("event", name);
    // One connection's events reach the others in the order it published them.
    if (hub.config.roomHistoryPrefixes.contains(RoomPolicy.prefix(room))) {
      // kept first, then delivered: the directory is read after the commit (docs/messaging.md)
      return s.inOrder(() -> hub.roomHistory.insert(room, name, payload, s.userId())
          .compose(stored -> hub.routing.toRoomInOrder(room, stored.toFrame().except(s.id(), null))
              .map(v -> new EventHandlers.Reply("published", published.put("roomEventId", stored.id())))));
    }
    ServerFrame frame = ServerFrame.fromMember(name, payload, room, s.userId()).except(s.id(), null);
    return s.inOrder(() -> hub.routing.toRoomInOrder(room, frame).map(v -> new EventHandlers.Reply("published", published)));
  }

  /** {@code {"room","before"?,"limit"?}}: a member reads the room's kept events, newest first. */
  private Future<EventHandlers.Reply> roomHistory(Session s, JsonObject data) {
    String room = memberRoom(s, data);
    hub.handlers.requireHistory(room);
    Long limit = EventHandlers.optionalLong(data, "limit");
    return hub.roomHistory.page(room, EventHandlers.optionalLong(data, "before"), limit == null ? 50 : (int) Math.max(1, Math.min(limit, 100)))
        .map(page -> new EventHandlers.Reply("room-history", page));
  }

  /** The {@code room} field, a room the session is in (FORBIDDEN otherwise). */
  private static String memberRoom(Session s, JsonObject data) {
    Object v = data.getValue("room");
    if (!(v instanceof String room)) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "room is required and must be a string");
    }
    RoomPolicy.validateName(room);
    if (!s.inRoom(room) || RoomPolicy.isInternal(room) || room.equals(RoomPolicy.userRoom(s.userId()))) {
      throw new ProtocolException(ErrorCode.FORBIDDEN, "only members of " + room + " may do that; join it first");
    }
    return room;
  }

  // ---- fields ----------------------------------------------------------------------------------

  /** A user id field naming someone else. */
  private static String otherUser(Session s, JsonObject data, String field) {
    String id = optionalId(data, field, MAX_ID_LENGTH);
    if (id == null) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, field + " is required (a user id)");
    }
    if (id.equals(s.userId())) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, field + " must be another user");
    }
    return id;
  }

  /** A string or number id of at most {@code max} characters, or null when absent. */
  private static String optionalId(JsonObject data, String field, int max) {
    Object v = data.getValue(field);
    if (v == null) {
      return null;
    }
    if (!((v instanceof String str && !str.isBlank()) || v instanceof Number) || v.toString().length() > max) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, field + " must be a string or a number of at most " + max + " characters");
    }
    return v.toString();
  }

  /** A message id: a number, or its decimal string (what a client that keeps ids as strings sends). */
  private static long messageId(Object v) {
    try {
      long id = v instanceof Number n ? n.longValue() : Long.parseLong(String.valueOf(v).trim());
      if (id > 0 && (v instanceof Number || v instanceof String)) {
        return id;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new ProtocolException(ErrorCode.BAD_REQUEST, "messageId must be a message id (a positive integer)");
  }

  private static int limit(JsonObject data) {
    Long limit = EventHandlers.optionalLong(data, "limit");
    return limit == null ? 50 : (int) Math.max(1, Math.min(limit, PgMessageStore.MAX_PAGE));
  }
}

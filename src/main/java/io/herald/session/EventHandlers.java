package io.herald.session;

import io.herald.protocol.ErrorCode;
import io.herald.protocol.ClientRequest;
import io.herald.protocol.ServerFrame;
import io.herald.protocol.ProtocolException;
import io.herald.room.RoomPolicy;
import io.herald.store.NotificationStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client events of the JSON protocol (docs/protocol.md). Each handler answers with its reply
 * event or an {@code error} frame carrying the request's {@code id}. Components that add events
 * (presence, persistence) {@link #register} them at start-up.
 */
public final class EventHandlers {
  private static final Logger log = LoggerFactory.getLogger(EventHandlers.class);

  /**
   * Handles one event of an open session; returns the reply, or fails with a ProtocolException. A
   * null reply (fire-and-forget events such as typing) is answered only when the request has an id:
   * {@code ack} {@code {event}}.
   */
  @FunctionalInterface
  public interface Handler {
    Future<Reply> handle(Session session, JsonObject data);
  }

  /** A reply: its event name and data. */
  public record Reply(String event, Object data) {}

  private final SessionHub hub;
  private final Map<String, Handler> handlers = new HashMap<>();

  EventHandlers(SessionHub hub) {
    this.hub = hub;
    register("ping", (s, d) -> ok("pong", new JsonObject().put("timestamp", System.currentTimeMillis())));
    register("join-room", this::joinRoom);
    register("join_room", this::joinRoom);
    register("leave-room", this::leaveRoom);
    register("leave_room", this::leaveRoom);
    register("subscribe", this::subscribe);
    register("unsubscribe", this::unsubscribe);
    register("message", this::message);
    register("refresh-token", this::refreshToken);
    register("auth", (s, d) -> Future.failedFuture(new ProtocolException(ErrorCode.BAD_REQUEST, "already authenticated")));
    register("get-online-status", this::onlineStatus);
    register("subscribe-user-status", this::subscribeUserStatus);
    register("unsubscribe-user-status", this::unsubscribeUserStatus);
    register("get-room-presence", this::roomPresence);
    register("get-notifications", this::getNotifications);
    register("mark-read", this::markRead);
    register("mark-all-read", this::markAllRead);
    register("get-unread-count", (s, d) -> hub.store.unreadCount(s.principal().userId())
        .map(count -> new Reply("unread_count", new JsonObject().put("count", count))));
  }

  /** Adds an event; call before the gateway accepts connections. */
  public void register(String event, Handler handler) {
    handlers.put(event, handler);
  }

  /** Counts a request in {@code herald_client_events_total}; an unregistered name counts as "unknown". */
  void counted(String event, String result) {
    hub.metrics.clientEvent(handlers.containsKey(event) ? event : "unknown", result);
  }

  void dispatch(Session session, ClientRequest frame) {
    Handler h = handlers.get(frame.event());
    if (h == null) {
      counted(frame.event(), ErrorCode.UNKNOWN_EVENT.name());
      session.replyError(frame, new ProtocolException(ErrorCode.UNKNOWN_EVENT, "unknown event '" + frame.event() + "'"));
      return;
    }
    Future<Reply> result;
    try {
      result = h.handle(session, frame.data());
    } catch (ProtocolException e) {
      result = Future.failedFuture(e);
    } catch (RuntimeException e) {
      try (io.herald.logging.Mdc mdc = io.herald.logging.Mdc.session(session.id(), session.principal().userId())) {
        log.error("handler for {} failed", frame.event(), e);
      }
      result = Future.failedFuture(new ProtocolException(ErrorCode.INTERNAL, "internal error"));
    }
    result.onComplete(ar -> {
      counted(frame.event(), ar.succeeded() ? "ok"
          : ar.cause() instanceof ProtocolException pe ? pe.code().name() : ErrorCode.INTERNAL.name());
      if (ar.succeeded()) {
        if (ar.result() != null) {
          session.reply(frame, ar.result().event(), ar.result().data());
        } else if (frame.id() != null) {
          // a fire-and-forget event (typing) answers only a request that asked, with an id or an ack
          session.reply(frame, "ack", new JsonObject().put("event", frame.event()));
        }
      } else if (ar.cause() instanceof ProtocolException pe) {
        session.replyError(frame, pe);
      } else {
        try (io.herald.logging.Mdc mdc = io.herald.logging.Mdc.session(session.id(), session.principal().userId())) {
          log.error("handler for {} failed", frame.event(), ar.cause());
        }
        session.replyError(frame, new ProtocolException(ErrorCode.INTERNAL, "internal error"));
      }
    });
  }

  private static Future<Reply> ok(String event, Object data) {
    return Future.succeededFuture(new Reply(event, data));
  }

  /**
   * Joins a room; with {@code since} (a room history id) the events kept after it come first, then
   * the reply, which counts them ({@code replayed}).
   */
  private Future<Reply> joinRoom(Session s, JsonObject data) {
    String room = string(data, "room");
    hub.policy.checkJoin(s.principal(), room);
    Long since = optionalLong(data, "since");
    if (since != null) {
      requireHistory(room);
      return s.joinWithHistory(room, since)
          .map(n -> new Reply("joined-room", new JsonObject().put("room", room).put("replayed", n)));
    }
    return s.join(room).map(v -> new Reply("joined-room", new JsonObject().put("room", room)));
  }

  /** BAD_REQUEST unless the room's prefix is in rooms.history-prefixes. */
  void requireHistory(String room) {
    if (!hub.config.roomHistoryPrefixes.contains(RoomPolicy.prefix(room))) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, room + " keeps no history (rooms.history-prefixes does not list '"
          + RoomPolicy.prefix(room) + "')");
    }
  }

  private Future<Reply> leaveRoom(Session s, JsonObject data) {
    String room = string(data, "room");
    RoomPolicy.validateName(room);
    if (RoomPolicy.isInternal(room)) {
      throw new ProtocolException(ErrorCode.FORBIDDEN, "status subscriptions end with unsubscribe-user-status");
    }
    if (room.equals(RoomPolicy.userRoom(s.principal().userId()))) {
      throw new ProtocolException(ErrorCode.FORBIDDEN, "the personal room cannot be left");
    }
    return s.leave(room).map(v -> new Reply("left-room", new JsonObject().put("room", room)));
  }

  private Future<Reply> subscribe(Session s, JsonObject data) {
    List<String> channels = channels(data);
    for (String c : channels) {
      hub.policy.checkJoin(s.principal(), c);
    }
    int newOnes = 0;
    for (String c : channels) {
      newOnes += s.inRoom(c) ? 0 : 1;
    }
    if (s.namedRooms() + newOnes > hub.config.maxRoomsPerConnection) {
      throw new ProtocolException(ErrorCode.TOO_MANY_ROOMS,
          "at most " + hub.config.maxRoomsPerConnection + " rooms per connection");
    }
    List<Future<Void>> joins = new ArrayList<>();
    for (String c : channels) {
      joins.add(s.join(c));
    }
    return Future.all(joins).map(v -> new Reply("subscribed", new JsonObject().put("channels", new JsonArray(channels))));
  }

  private Future<Reply> unsubscribe(Session s, JsonObject data) {
    List<String> channels = channels(data);
    for (String c : channels) {
      RoomPolicy.validateName(c);
      if (c.equals(RoomPolicy.userRoom(s.principal().userId()))) {
        throw new ProtocolException(ErrorCode.FORBIDDEN, "the personal room cannot be left");
      }
    }
    List<Future<Void>> leaves = new ArrayList<>();
    channels.forEach(c -> leaves.add(s.leave(c)));
    return Future.all(leaves).map(v -> new Reply("unsubscribed", new JsonObject().put("channels", new JsonArray(channels))));
  }

  private Future<Reply> message(Session s, JsonObject data) {
    Object received = data.getValue("message");
    if (received == null) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "message is required");
    }
    return ok("messageReceived", new JsonObject()
        .put("success", true)
        .put("message", "Message received by server")
        .put("data", new JsonObject()
            .put("receivedMessage", received)
            .put("data", data.getValue("data"))
            .put("timestamp", System.currentTimeMillis())));
  }

  private Future<Reply> refreshToken(Session s, JsonObject data) {
    String token = string(data, "token");
    return s.verify(token).compose(p -> {
      if (s.state() != Session.State.OPEN) {
        return Future.failedFuture(new ProtocolException(ErrorCode.UNAUTHORIZED, "session closed"));
      }
      if (!p.userId().equals(s.principal().userId())) {
        return Future.failedFuture(new ProtocolException(ErrorCode.UNAUTHORIZED, "token is for another user"));
      }
      if (hub.config.jwtRequireExp && p.expiresAt() <= 0) {
        return Future.failedFuture(new ProtocolException(ErrorCode.UNAUTHORIZED, "token has no 'exp' claim (jwt.require-exp)"));
      }
      long current = s.principal().expiresAt();
      if (current > 0 && (p.expiresAt() == 0 ? false : p.expiresAt() <= current)) {
        return Future.failedFuture(new ProtocolException(ErrorCode.UNAUTHORIZED, "token does not expire later than the current one"));
      }
      s.refreshed(p);
      leaveRevokedRooms(s);
      return ok("token-refreshed", new JsonObject().put("expiresAt", p.expiresAt() == 0 ? null : p.expiresAt()));
    });
  }

  /**
   * After a token refresh, the session leaves every room the new token no longer grants (a named
   * room its rooms claim stopped matching, a status subscription its presence claim stopped
   * allowing), each with a {@code left-room} event naming the room and why. The personal room stays.
   */
  private void leaveRevokedRooms(Session s) {
    String personal = RoomPolicy.userRoom(s.principal().userId());
    for (String room : s.roomsSnapshot()) {
      if (room.equals(personal)) {
        continue;
      }
      boolean granted = RoomPolicy.isInternal(room)
          ? maySubscribeTo(s, RoomPolicy.statusRoomUser(room))
          : hub.policy.allows(s.principal(), room);
      if (!granted) {
        s.leave(room);
        s.send(ServerFrame.event("left-room", new JsonObject().put("room", room)
            .put("reason", "the refreshed token no longer grants this room")));
      }
    }
  }

  /** Most user ids one get-online-status may ask about. */
  static final int MAX_STATUS_QUERY = 1000;

  private Future<Reply> onlineStatus(Session s, JsonObject data) {
    Object v = data.getValue("userIds");
    if (!(v instanceof JsonArray a) || a.size() > MAX_STATUS_QUERY) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "userIds must be an array of at most " + MAX_STATUS_QUERY + " ids");
    }
    List<String> ids = new ArrayList<>();
    for (Object o : a) {
      if (!(o instanceof String) && !(o instanceof Number)) {
        throw new ProtocolException(ErrorCode.BAD_REQUEST, "userIds must hold strings or numbers");
      }
      if (!maySubscribeTo(s, o.toString())) {
        throw new ProtocolException(ErrorCode.FORBIDDEN, "not allowed to see the status of " + o);
      }
      ids.add(o.toString());
    }
    checkLookupBudget(s, ids.size());
    return hub.presence.status(ids)
        .map(status -> new Reply("online-status", new JsonObject().put("status", status)));
  }

  private Future<Reply> subscribeUserStatus(Session s, JsonObject data) {
    String user = userIdField(data);
    if (!maySubscribeTo(s, user)) {
      throw new ProtocolException(ErrorCode.FORBIDDEN, "not allowed to subscribe to the status of " + user);
    }
    checkLookupBudget(s, 1);
    return s.join(RoomPolicy.statusRoom(user))
        .compose(v -> hub.presence.status(List.of(user)))
        .map(status -> new Reply("subscribed", new JsonObject().put("userId", user)
            .put("status", status.getBoolean(user, false) ? "online" : "offline")));
  }

  private Future<Reply> unsubscribeUserStatus(Session s, JsonObject data) {
    String user = userIdField(data);
    s.leave(RoomPolicy.statusRoom(user));
    return ok("unsubscribed", new JsonObject().put("userId", user));
  }

  private Future<Reply> roomPresence(Session s, JsonObject data) {
    String room = string(data, "room");
    RoomPolicy.validateName(room);
    if (!s.inRoom(room) || RoomPolicy.isInternal(room)) {
      throw new ProtocolException(ErrorCode.FORBIDDEN, "only members of " + room + " may see who is in it");
    }
    return hub.routing.roomMembers(room)
        .recover(err -> Future.failedFuture(new ProtocolException(ErrorCode.UNAVAILABLE, "room presence unavailable")))
        .map(users -> new Reply("room-presence", new JsonObject().put("room", room).put("users", new JsonArray(users))));
  }

  /**
   * Under {@code presence.subscribe-policy: any}, anyone may ask about anyone: each connection gets
   * a budget of status look-ups per minute (one per user id asked about, subscriptions included),
   * so a client cannot map who is online across the whole user base.
   */
  private void checkLookupBudget(Session s, int lookups) {
    if (hub.config.presenceSubscribePolicy.equals("any") && !s.takeStatusLookups(lookups)) {
      throw new ProtocolException(ErrorCode.RATE_LIMITED, "more than " + hub.config.presenceStatusLookupsPerMinute
          + " status look-ups per minute (presence.status-lookups-per-minute)");
    }
  }

  private boolean maySubscribeTo(Session s, String user) {
    if (hub.config.presenceSubscribePolicy.equals("any") || user.equals(s.principal().userId())) {
      return true;
    }
    for (String pattern : s.principal().presencePatterns()) {
      if (RoomPolicy.matches(pattern, user)) {
        return true;
      }
    }
    return false;
  }

  private static String userIdField(JsonObject data) {
    Object v = data.getValue("userId");
    if (!((v instanceof String str && !str.isBlank()) || v instanceof Number)) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "userId is required and must be a string or a number");
    }
    String user = v.toString();
    RoomPolicy.validateName(RoomPolicy.statusRoom(user));
    return user;
  }

  private Future<Reply> getNotifications(Session s, JsonObject data) {
    Long before = optionalLong(data, "before");
    Long limit = optionalLong(data, "limit");
    int capped = limit == null ? NotificationStore.MAX_PAGE : (int) Math.max(1, Math.min(limit, NotificationStore.MAX_PAGE));
    return hub.store.page(s.principal().userId(), before, capped).map(page -> new Reply("notifications", page));
  }

  private Future<Reply> markRead(Session s, JsonObject data) {
    Object v = data.getValue("ids");
    if (!(v instanceof JsonArray a) || a.isEmpty() || a.size() > NotificationStore.MAX_PAGE) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "ids must be an array of 1-" + NotificationStore.MAX_PAGE + " notification ids");
    }
    List<Long> ids = new ArrayList<>();
    for (Object o : a) {
      if (!(o instanceof Number n)) {
        throw new ProtocolException(ErrorCode.BAD_REQUEST, "ids must be numbers");
      }
      ids.add(n.longValue());
    }
    String user = s.principal().userId();
    return hub.store.markRead(user, ids).map(updated -> {
      announceUnreadCount(user, updated);
      return new Reply("marked-read", new JsonObject().put("ids", new JsonArray(ids)).put("updated", updated));
    });
  }

  private Future<Reply> markAllRead(Session s, JsonObject data) {
    String user = s.principal().userId();
    return hub.store.markAllRead(user).map(updated -> {
      announceUnreadCount(user, updated);
      return new Reply("marked-read", new JsonObject().put("all", true).put("updated", updated));
    });
  }

  /** After read state changed, every session of the user (on any node) gets the new count. */
  private void announceUnreadCount(String user, int updated) {
    if (updated > 0) {
      io.herald.store.UnreadCounts.announce(hub.vertx, hub.store, user);
    }
  }

  static Long optionalLong(JsonObject data, String field) {
    Object v = data.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n) || n.longValue() < 0) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, field + " must be a non-negative integer");
    }
    return n.longValue();
  }

  private static String string(JsonObject data, String field) {
    Object v = data.getValue(field);
    if (!(v instanceof String s) || s.isEmpty()) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, field + " is required and must be a string");
    }
    return s;
  }

  private static List<String> channels(JsonObject data) {
    Object v = data.getValue("channels");
    if (!(v instanceof JsonArray a) || a.isEmpty()) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "channels must be a non-empty array of room names");
    }
    Set<String> out = new LinkedHashSet<>();
    for (Object o : a) {
      if (!(o instanceof String c)) {
        throw new ProtocolException(ErrorCode.BAD_REQUEST, "channels must be strings");
      }
      out.add(c);
    }
    return new ArrayList<>(out);
  }
}

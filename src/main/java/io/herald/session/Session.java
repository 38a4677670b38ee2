package io.herald.session;

import io.herald.auth.AuthException;
import io.herald.auth.Credentials;
import io.herald.auth.Principal;
import io.herald.protocol.CloseCodes;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.ClientRequest;
import io.herald.protocol.ServerFrame;
import io.herald.protocol.ProtocolException;
import io.herald.room.RoomMember;
import io.herald.room.RoomPolicy;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection's state machine, whatever its transport: AUTHENTICATING -> OPEN -> CLOSED.
 *
 * <p>Everything but {@link #deliver} runs on the session's own context (the event loop that
 * accepted the connection), so its fields need no locks. {@link #close} is the one idempotent
 * cleanup path: it cancels timers, leaves every room and unregisters the session.
 */
public final class Session implements RoomMember {
  private static final Logger log = LoggerFactory.getLogger(Session.class);

  public enum State { AUTHENTICATING, OPEN, CLOSED }

  private final SessionHub hub;
  private final Transport transport;
  private final Context context;
  private final Context eventLoop;
  /** The session id, a random UUID, as two longs: the string is made when it is sent. */
  private final long idHigh;
  private final long idLow;
  private final RoomSet rooms = new RoomSet();
  /** Made at the first client event (a bucket starts full, so that is the same as at open). */
  private TokenBucket bucket;
  /** Status look-ups left this minute (presence.status-lookups-per-minute); made at the first one. */
  private TokenBucket statusLookups;
  private State state = State.AUTHENTICATING;
  private Principal principal;
  private long authTimer = -1;
  /** When the token expires (epoch ms, leeway included), and this session's slot in {@link ExpiryTimers}. */
  long expiryDeadline;
  int expiryIndex = -1;
  private boolean authPending;
  /** Counted by presence (so the close path must tell presence). */
  private boolean admitted;
  /**
   * Requests that arrived while the token was being verified, handled once the session opens: a
   * {@link ClientRequest}, or the {@link ProtocolException} a bad frame is answered with in its turn.
   */
  private java.util.ArrayDeque<Object> early;
  private static final int MAX_EARLY_FRAMES = 16;
  /** Stored items replayed per store request. */
  private static final int REPLAY_PAGE = 1000;
  /** Live frames held back while the session catches up; more means the client cannot keep up. */
  private static final int MAX_HELD_FRAMES = 10_000;

  /** Where a reconnecting client resumes: null = send the unread ones instead. */
  private Long resumeAfter;
  private String resumeError;
  /** Non-null while catching up: live frames held back until replay ends. */
  private java.util.ArrayDeque<ServerFrame> held;
  /**
   * The highest id the catch-up sent. A live copy of any id up to it is a duplicate: it was
   * committed before the replay query, so the replay had it (its live copy may arrive later still).
   */
  private long replayedUpTo = -1;

  Session(SessionHub hub, Transport transport, Context context) {
    this.hub = hub;
    this.transport = transport;
    this.context = context;
    this.eventLoop = ((io.vertx.core.internal.ContextInternal) context).unwrap();
    UUID id = UUID.randomUUID();
    this.idHigh = id.getMostSignificantBits();
    this.idLow = id.getLeastSignificantBits();
  }

  public String id() {
    return new UUID(idHigh, idLow).toString();
  }

  @Override
  public String memberId() {
    return id();
  }

  /** The authenticated user's id (an open session's). */
  @Override
  public String userId() {
    return principal.userId();
  }

  /** The authenticated user, or null before authentication. */
  public Principal principal() {
    return principal;
  }

  public State state() {
    return state;
  }

  Vertx vertx() {
    return hub.vertx;
  }

  /** Whether the session is in {@code room}. */
  boolean inRoom(String room) {
    return rooms.contains(room);
  }

  /** The connection this session runs over. */
  public Transport transport() {
    return transport;
  }

  /**
   * Starts authentication: with the token the transport found on the upgrade (header or query), or,
   * when there is none, by waiting for an {@code auth} frame within the configured timeout.
   */
  public void start(String upgradeToken, String lastNotificationId) {
    resume(lastNotificationId);
    if (upgradeToken != null) {
      authenticate(upgradeToken, null);
    } else {
      authTimer = hub.vertx.setTimer(hub.config.authTimeoutMs, t -> {
        authTimer = -1;
        refuse("no auth frame within " + hub.config.authTimeoutMs + " ms");
      });
    }
  }

  /** A text frame of the JSON protocol ({@code /ws}, SockJS). */
  public void onText(String text) {
    if (state == State.CLOSED) {
      return;
    }
    // The size limit applies before anything is kept or parsed.
    if (tooLarge(text)) {
      accept(tooLargeError(null));
      return;
    }
    Object item;
    try {
      item = ClientRequest.parse(text);
    } catch (ProtocolException e) {
      item = e;
    }
    accept(item);
  }

  /**
   * A request a transport decoded itself (Socket.IO, the event-bus bridge): {@code wireBytes} is its
   * size as received, checked against {@code ws.max-frame-bytes} like a JSON frame's.
   */
  public void request(Object event, Object data, Object id, int wireBytes) {
    if (state == State.CLOSED) {
      return;
    }
    Object item;
    if (wireBytes > hub.config.maxFrameBytes) {
      item = tooLargeError(id);
    } else {
      try {
        item = ClientRequest.of(event, data, id);
      } catch (ProtocolException e) {
        item = e;
      }
    }
    accept(item);
  }

  private ProtocolException tooLargeError(Object id) {
    return new ProtocolException(ErrorCode.PAYLOAD_TOO_LARGE, "frame exceeds " + hub.config.maxFrameBytes + " bytes", id);
  }

  /** A request, or the error a bad frame is answered with, in arrival order. */
  private void accept(Object item) {
    if (state == State.CLOSED) {
      return;
    }
    if (authPending) {
      if (early == null) {
        early = new java.util.ArrayDeque<>(4);
      }
      if (early.size() >= MAX_EARLY_FRAMES) {
        refuse("too many frames before authentication completed");
        return;
      }
      early.add(item);
      return;
    }
    if (item instanceof ProtocolException e) {
      if (state == State.AUTHENTICATING) {
        refuse(e.code() == ErrorCode.PAYLOAD_TOO_LARGE ? "first frame must be a small auth frame"
            : "first frame must be {\"event\":\"auth\",\"data\":{\"token\":...}}");
      } else {
        send(ServerFrame.error(e.code(), e.getMessage(), e.id()));
      }
      return;
    }
    ClientRequest request = (ClientRequest) item;
    if (state == State.AUTHENTICATING) {
      onAuthFrame(request);
      return;
    }
    if (bucket == null) {
      bucket = new TokenBucket(hub.config.rateLimitPerMinute, System.nanoTime());
    }
    if (!bucket.tryTake(System.nanoTime())) {
      send(ServerFrame.error(ErrorCode.RATE_LIMITED,
          "more than " + hub.config.rateLimitPerMinute + " events per minute", request.id()));
      return;
    }
    hub.handlers.dispatch(this, request);
  }

  /** A binary frame: the protocol is JSON text only. */
  public void onBinary() {
    if (state == State.AUTHENTICATING) {
      refuse("first frame must be a JSON auth frame");
    } else if (state == State.OPEN) {
      send(ServerFrame.error(ErrorCode.BAD_REQUEST, "binary frames are not supported; send JSON text", null));
    }
  }

  /** The transport closed (client went away, network error). */
  public void onTransportClosed() {
    cleanup();
  }

  /**
   * Delivers a server frame from any thread, only to sessions of Socket.IO namespace {@code ns} when
   * it is not null. Dropped when the session is not open; held back while the session replays
   * stored items; a client whose outbound queue is full is disconnected with 1008.
   */
  public void deliver(ServerFrame frame, String ns) {
    if (ns != null && !ns.equals(transport.namespace())) {
      return;
    }
    if (Vertx.currentContext() == context) {
      deliverLive(frame);
    } else {
      context.runOnContext(v -> deliverLive(frame));
    }
  }

  /**
   * The event loop this session runs on (its context's base context): the fan-out groups
   * deliveries by it, one task per event loop instead of one per session.
   */
  @Override
  public Context eventLoopContext() {
    return eventLoop;
  }

  /** As {@link #deliver}, for a caller already running on this session's event loop ({@link #eventLoopContext()}). */
  @Override
  public void deliverOnEventLoop(ServerFrame frame, String ns) {
    if (ns == null || ns.equals(transport.namespace())) {
      deliverLive(frame);
    }
  }

  private void deliverLive(ServerFrame frame) {
    if (frame.isStored() && frame.notificationId() <= replayedUpTo) {
      return;
    }
    if (held != null && state == State.OPEN) {
      if (held.size() >= MAX_HELD_FRAMES) {
        close(CloseCodes.SLOW_CONSUMER, "too many messages while catching up");
        return;
      }
      held.add(frame);
      return;
    }
    send(frame);
  }

  /** Sends a reply frame to a request. */
  void reply(ClientRequest request, String event, Object data) {
    send(ServerFrame.reply(event, data, request.id()));
  }

  void replyError(ClientRequest request, ProtocolException e) {
    send(ServerFrame.error(e.code(), e.getMessage(), request.id()));
  }

  /** Closes the connection: the single cleanup path. Idempotent; call on the session's context. */
  public void close(short code, String reason) {
    if (state == State.CLOSED) {
      return;
    }
    cleanup();
    transport.close(code, reason);
  }

  /**
   * Sends a last frame (e.g. {@code reconnect}) straight away, even while live frames are held
   * back for the catch-up, then closes. Call on the session's context.
   */
  public void closeWith(ServerFrame frame, short code, String reason) {
    send(frame);
    close(code, reason);
  }

  /** Runs {@code action} on the session's context. */
  public void runOnContext(Runnable action) {
    context.runOnContext(v -> action.run());
  }

  void send(ServerFrame frame) {
    if (state != State.OPEN) {
      return;
    }
    if (!transport.write(frame)) {
      log.info("session {} of user {} closed: outbound queue full", id(), principal.userId());
      close(CloseCodes.SLOW_CONSUMER, "outbound queue full");
    }
  }

  /** Joins a room (policy already checked); completes when the cluster can route to it. */
  Future<Void> join(String room) {
    if (rooms.contains(room)) {
      return Future.succeededFuture();
    }
    ProtocolException full = checkRoomLimits(room);
    if (full != null) {
      return Future.failedFuture(full);
    }
    rooms.add(room);
    return hub.rooms.join(this, room).recover(err -> {
      rooms.remove(room);
      return Future.failedFuture(new ProtocolException(ErrorCode.INTERNAL, "could not join room " + room));
    }).compose(v -> {
      if (state == State.CLOSED) {
        hub.rooms.leave(this, room);
      }
      return Future.succeededFuture();
    });
  }

  /** Leaves a room; completes once the cluster no longer routes it here for this session. */
  Future<Void> leave(String room) {
    if (!rooms.remove(room)) {
      return Future.succeededFuture();
    }
    return hub.rooms.leave(this, room); // the local index changes at once
  }

  /** Rooms and status subscriptions have separate limits; the personal room counts in neither. */
  private ProtocolException checkRoomLimits(String room) {
    int subscriptions = rooms.count(RoomPolicy::isInternal);
    if (RoomPolicy.isInternal(room)) {
      return subscriptions < hub.config.maxStatusSubscriptions ? null
          : new ProtocolException(ErrorCode.TOO_MANY_SUBSCRIPTIONS,
              "at most " + hub.config.maxStatusSubscriptions + " status subscriptions per connection");
    }
    int named = rooms.size() - subscriptions - (rooms.contains(RoomPolicy.userRoom(principal.userId())) ? 1 : 0);
    boolean personal = room.equals(RoomPolicy.userRoom(principal.userId()));
    return personal || named < hub.config.maxRoomsPerConnection ? null
        : new ProtocolException(ErrorCode.TOO_MANY_ROOMS, "at most " + hub.config.maxRoomsPerConnection + " rooms per connection");
  }

  /**
   * Takes {@code n} status look-ups from this connection's budget; false (nothing taken) when the
   * budget of this minute is spent.
   */
  boolean takeStatusLookups(int n) {
    if (statusLookups == null) {
      statusLookups = new TokenBucket(hub.config.presenceStatusLookupsPerMinute, System.nanoTime());
    }
    return statusLookups.tryTake(n, System.nanoTime());
  }

  /** Every room the session is in (the personal room and status subscriptions included). */
  java.util.List<String> roomsSnapshot() {
    return rooms.snapshot();
  }

  /** Named rooms joined (not the personal room or status subscriptions). */
  int namedRooms() {
    String personal = RoomPolicy.userRoom(principal.userId());
    return rooms.count(r -> !RoomPolicy.isInternal(r) && !r.equals(personal));
  }

  /** Verifies a token through the auth verticle (node-local). */
  Future<Principal> verify(String token) {
    return Credentials.verify(hub.vertx, token)
        .recover(err -> Future.failedFuture(err instanceof AuthException
            ? new ProtocolException(ErrorCode.UNAUTHORIZED, err.getMessage())
            : new ProtocolException(ErrorCode.INTERNAL, "token verification unavailable")));
  }

  /** Applies a refreshed token for the same user; resets the expiry timer. */
  void refreshed(Principal p) {
    principal = p;
    scheduleExpiry();
  }

  private void onAuthFrame(ClientRequest frame) {
    if (!frame.event().equals("auth")) {
      refuse("first frame must be an auth frame");
      return;
    }
    String token = frame.data().getValue("token") instanceof String s ? s : null;
    if (token == null || token.isBlank()) {
      refuse("auth frame has no token");
      return;
    }
    Object last = frame.data().getValue("lastNotificationId");
    if (last != null) {
      resume(last.toString());
    }
    authenticate(token, frame.id());
  }

  private void authenticate(String token, Object requestId) {
    authPending = true;
    verify(token).onComplete(ar -> {
      if (state != State.AUTHENTICATING) {
        return;
      }
      if (ar.failed()) {
        authPending = false;
        ProtocolException e = (ProtocolException) ar.cause();
        refuse(e.getMessage());
        return;
      }
      open(ar.result(), requestId);
    });
  }

  private void open(Principal p, Object requestId) {
    if (hub.config.jwtRequireExp && p.expiresAt() <= 0) {
      // A service-role token without exp is accepted on the REST API, but never holds a connection.
      authPending = false;
      refuse("token has no 'exp' claim (jwt.require-exp)");
      return;
    }
    if (authTimer >= 0) {
      hub.vertx.cancelTimer(authTimer);
      authTimer = -1;
    }
    principal = p;
    hub.presence.connect(p.userId(), id()).onComplete(admitted -> {
      if (state != State.AUTHENTICATING) {
        if (admitted.succeeded()) {
          hub.presence.disconnect(p.userId(), id()); // closed meanwhile
        }
        return;
      }
      if (admitted.failed()) {
        ProtocolException e = (ProtocolException) admitted.cause();
        boolean tooMany = e.code() == ErrorCode.TOO_MANY_CONNECTIONS;
        transport.write(ServerFrame.error(e.code(), e.getMessage(), requestId));
        cleanup();
        closeAfterLinger(tooMany ? CloseCodes.TOO_MANY_CONNECTIONS : CloseCodes.TRY_AGAIN_LATER,
            tooMany ? "too many connections" : "try again later");
        return;
      }
      this.admitted = true;
      // Live frames are held back from the moment the session can receive them (it joins its
      // personal room next) until the catch-up has sent the stored ones.
      held = new java.util.ArrayDeque<>();
      state = State.OPEN;
      hub.registry.add(this);
      scheduleExpiry();
      joinPersonalRoom(p, requestId);
    });
  }

  private void joinPersonalRoom(Principal p, Object requestId) {
    join(RoomPolicy.userRoom(p.userId())).onComplete(ar -> {
      if (state != State.OPEN) {
        return;
      }
      if (ar.failed()) {
        send(ServerFrame.error(ErrorCode.INTERNAL, "could not register the connection; retry", requestId));
        close(CloseCodes.SERVICE_RESTART, "internal error");
        return;
      }
      send(ServerFrame.reply("connected", new JsonObject()
          .put("userId", p.userId())
          .put("sessionId", id())
          .put("timestamp", System.currentTimeMillis()), requestId));
      authPending = false;
      catchUp();
      replayEarlyFrames();
    });
  }

  /** Parses the resume cursor; a bad one is reported after 'connected' and the unread are sent. */
  private void resume(String lastNotificationId) {
    if (lastNotificationId == null || lastNotificationId.isBlank()) {
      return;
    }
    try {
      long n = Long.parseLong(lastNotificationId.trim());
      if (n < 0) {
        throw new NumberFormatException();
      }
      resumeAfter = n;
      resumeError = null;
    } catch (NumberFormatException e) {
      resumeAfter = null;
      resumeError = "lastNotificationId must be a non-negative integer";
    }
  }

  /**
   * Replay, then live, with no gap and no duplicate. The user room was joined before this runs, so
   * any item committed after the store query below also reaches this session live; live frames are
   * held back until the replay is sent, and those the replay already contained (id <= the last
   * replayed id) are dropped. Then the unread count follows.
   */
  private void catchUp() {
    if (resumeError != null) {
      send(ServerFrame.error(ErrorCode.BAD_REQUEST, resumeError, null));
    }
    String user = principal.userId();
    Future<Long> replayed = resumeAfter != null
        ? resumeFrom(user, resumeAfter)
        : hub.store.unread(user, hub.config.replayUnreadLimit).map(this::sendStored);
    replayed
        .andThen(ar -> {
          if (ar.failed()) {
            send(ServerFrame.error(storeCode(ar.cause()), "could not replay stored notifications; reconnect later", null));
            transport.replayFailed();
          }
          replayedUpTo = ar.succeeded() ? ar.result() : -1;
        })
        .transform(ar -> hub.store.unreadCount(user))
        .onComplete(count -> {
          if (count.succeeded()) {
            send(ServerFrame.event("unread_count", new JsonObject().put("count", count.result())));
          } else {
            send(ServerFrame.error(storeCode(count.cause()), "unread count unavailable", null));
          }
          java.util.ArrayDeque<ServerFrame> frames = held;
          held = null;
          while (frames != null && !frames.isEmpty() && state == State.OPEN) {
            deliverLive(frames.poll());
          }
        });
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
    return hub.store.page(user, null, 1).compose(newest -> {
      JsonArray items = newest.getJsonArray("items");
      long newestId = items == null || items.isEmpty() ? -1 : items.getJsonObject(0).getLong("id");
      return replayAfter(user, cursor, -1).map(sent -> Math.max(sent, Math.min(cursor, newestId)));
    });
  }

  /**
   * Sends every stored item after {@code afterId}, a page at a time (each page is written before the
   * next is read, and a client that cannot keep up hits the outbound-queue limit); completes with
   * the last id sent ({@code sentUpTo} when none).
   */
  private Future<Long> replayAfter(String user, long afterId, long sentUpTo) {
    return hub.store.after(user, afterId, REPLAY_PAGE).compose(items -> {
      long last = items.isEmpty() ? sentUpTo : sendStored(items);
      if (items.size() < REPLAY_PAGE || state != State.OPEN) {
        return Future.succeededFuture(last);
      }
      return replayAfter(user, last, last);
    });
  }

  private static ErrorCode storeCode(Throwable err) {
    return err instanceof ProtocolException pe ? pe.code() : ErrorCode.INTERNAL;
  }

  /** Sends stored items in order; returns the highest id sent (or -1 when none). */
  private long sendStored(java.util.List<io.herald.store.StoredNotification> items) {
    long last = -1;
    for (io.herald.store.StoredNotification item : items) {
      send(item.toFrame());
      last = Math.max(last, item.id());
    }
    return last;
  }

  private void replayEarlyFrames() {
    java.util.ArrayDeque<Object> items = early;
    early = null;
    while (items != null && !items.isEmpty() && state == State.OPEN) {
      accept(items.poll());
    }
  }

  private void scheduleExpiry() {
    ExpiryTimers timers = hub.expiryTimers(eventLoop);
    if (principal.expiresAt() <= 0) {
      timers.cancel(this);
      return;
    }
    timers.schedule(this, principal.expiresAt() * 1000 + hub.config.jwtLeewaySeconds * 1000L);
  }

  /** The token expired (with the leeway): called by {@link ExpiryTimers} on the session's event loop. */
  void tokenExpired() {
    send(ServerFrame.error(ErrorCode.UNAUTHORIZED, "token expired", null));
    close(CloseCodes.UNAUTHORIZED, "token expired");
  }

  /** Refuses authentication: an UNAUTHORIZED error frame, then close 4401. */
  private void refuse(String reason) {
    if (state != State.AUTHENTICATING) {
      return;
    }
    transport.write(ServerFrame.error(ErrorCode.UNAUTHORIZED, reason, null));
    cleanup();
    closeAfterLinger(CloseCodes.UNAUTHORIZED, "unauthorized");
  }

  /**
   * Closes a connection refused right after its upgrade a moment after the error frame: a client
   * that gets the close in the same read as the upgrade answer may otherwise report a failed
   * connect and never show the reason (the session itself is already cleaned up).
   */
  private void closeAfterLinger(short code, String reason) {
    hub.vertx.setTimer(REFUSAL_LINGER_MS, t -> transport.close(code, reason));
  }

  private static final long REFUSAL_LINGER_MS = 100;

  private void cleanup() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    if (authTimer >= 0) {
      hub.vertx.cancelTimer(authTimer);
    }
    if (expiryIndex >= 0) {
      hub.expiryTimers(eventLoop).cancel(this);
    }
    held = null;
    for (String room : rooms.snapshot()) {
      leave(room);
    }
    hub.registry.remove(this);
    hub.connections.decrementAndGet();
    if (admitted) {
      hub.presence.disconnect(principal.userId(), id());
    }
  }

  private boolean tooLarge(String text) {
    int limit = hub.config.maxFrameBytes;
    if (text.length() > limit) {
      return true;
    }
    return text.length() * 3L > limit && io.herald.protocol.Utf8.length(text) > limit;
  }
}

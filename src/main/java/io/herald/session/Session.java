package io.herald.session;

import io.herald.auth.Principal;
import io.herald.logging.Mdc;
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
  private final Inbound inbound;
  private final io.herald.metrics.HeraldMetrics.TransportMeters meters;
  /** Why the session closed, for {@code herald_disconnects_total}: set by the first close. */
  private String closeReason;
  /** Status look-ups left this minute (presence.status-lookups-per-minute); made at the first one. */
  private TokenBucket statusLookups;
  private State state = State.AUTHENTICATING;
  private Principal principal;
  /** When the token expires (epoch ms, leeway included), and this session's slot in {@link ExpiryTimers}. */
  long expiryDeadline;
  int expiryIndex = -1;
  /** Counted by presence (so the close path must tell presence). */
  private boolean admitted;
  /** The way to OPEN (the auth timer, the verification, presence admission, the personal room); null once open. */
  private Opening opening;
  /** The typing targets this session told about (Typing keys), so its close can stop them; null until the first. */
  private java.util.List<String> typingKeys;
  /**
   * The last of the requests whose effects must leave in the order they came (publish,
   * sendMessage): each starts once the one before has been handed to the nodes.
   */
  private Future<?> ordered = Future.succeededFuture();
  private int orderedPending;
  /** Replays of room history (join-room with since); null until the first. */
  private RoomCatchUp roomCatchUp;
  /** Made when the session opens: holds live frames back while it replays, and drops duplicates. */
  private CatchUp catchUp;

  Session(SessionHub hub, Transport transport, Context context) {
    this.hub = hub;
    this.transport = transport;
    this.context = context;
    this.eventLoop = ((io.vertx.core.internal.ContextInternal) context).unwrap();
    this.inbound = new Inbound(hub.config.maxFrameBytes, hub.config.rateLimitPerMinute);
    this.meters = hub.metrics.transport(transport.kind());
    this.opening = new Opening(this, hub);
    UUID id = hub.services.newSessionId();
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

  io.herald.metrics.HeraldMetrics metrics() {
    return hub.metrics;
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
    opening.start(upgradeToken, lastNotificationId);
  }

  /** A text frame of the JSON protocol ({@code /ws}, SockJS). */
  public void onText(String text) {
    if (state != State.CLOSED) {
      accept(inbound.decode(text));
    }
  }

  /**
   * A request a transport decoded itself (Socket.IO, the event-bus bridge): {@code wireBytes} is its
   * size as received, checked against {@code ws.max-frame-bytes} like a JSON frame's.
   */
  public void request(Object event, Object data, Object id, int wireBytes) {
    if (state != State.CLOSED) {
      accept(inbound.decode(event, data, id, wireBytes));
    }
  }

  /** A request, or the error a bad frame is answered with, in arrival order. */
  private void accept(Object item) {
    if (state == State.CLOSED) {
      return;
    }
    if (opening != null && opening.pending()) {
      if (!inbound.keep(item)) {
        refuse("too many frames before authentication completed");
      }
      return;
    }
    if (item instanceof ProtocolException e) {
      if (state == State.AUTHENTICATING) {
        refuse(e.code() == ErrorCode.PAYLOAD_TOO_LARGE ? "first frame must be a small auth frame"
            : "first frame must be {\"event\":\"auth\",\"data\":{\"token\":...}}");
      } else {
        hub.metrics.clientEvent("invalid", e.code().name());
        send(ServerFrame.error(e.code(), e.getMessage(), e.id()));
      }
      return;
    }
    ClientRequest request = (ClientRequest) item;
    if (state == State.AUTHENTICATING) {
      opening.onAuthFrame(request);
    } else {
      limited(request);
    }
  }

  /** Requests waiting for their rate-limit check, in arrival order; null until the first. */
  private java.util.ArrayDeque<ClientRequest> waiting;
  private boolean checking;

  /**
   * Checks requests against the user's cluster-wide budget, then handles them in the order they
   * came. While one check is out, later requests wait and the next check takes them all in one
   * round trip; the first ones get the tokens, the rest RATE_LIMITED with {@code retryAfterMs}.
   * At most as many requests wait as the budget holds (between 64 and 1024): more are refused at
   * once. When the shared budget cannot be reached, the connection's own budget decides.
   */
  private void limited(ClientRequest request) {
    if (waiting == null) {
      waiting = new java.util.ArrayDeque<>(4);
    }
    int maxWaiting = Math.max(64, Math.min(1024, inbound.perMinute()));
    if (waiting.size() >= maxWaiting) {
      rateLimited(request, "more than " + maxWaiting + " requests waiting");
      return;
    }
    waiting.add(request);
    if (!checking) {
      check();
    }
  }

  private void check() {
    int n = waiting.size();
    checking = true;
    hub.services.rateLimit(principal.userId(), n)
        .recover(err -> {
          long allowed = 0;
          while (allowed < n && inbound.allow(hub.services.nanos())) {
            allowed++;
          }
          return Future.succeededFuture(allowed);
        })
        .onComplete(ar -> {
          checking = false;
          long granted = ar.result();
          for (int i = 0; i < n && state == State.OPEN; i++) {
            ClientRequest r = waiting.poll();
            if (i < granted) {
              hub.handlers.dispatch(this, r);
            } else {
              rateLimited(r, "more than " + inbound.perMinute() + " events per minute (ws.rate-limit-per-minute, all of the user's connections)");
            }
          }
          if (state == State.OPEN && !waiting.isEmpty()) {
            check();
          }
        });
  }

  /** RATE_LIMITED, with when the next event will be allowed (the budget refills one every 60 s / limit). */
  private void rateLimited(ClientRequest r, String why) {
    hub.handlers.counted(r.event(), ErrorCode.RATE_LIMITED.name());
    send(ServerFrame.reply("error", new io.vertx.core.json.JsonObject().put("code", ErrorCode.RATE_LIMITED.name())
        .put("message", why).put("retryAfterMs", Math.max(1, 60_000L / inbound.perMinute())), r.id()));
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
    if (state == State.CLOSED) {
      meters.droppedClosed();
      return;
    }
    if (state != State.OPEN || excluded(frame) || (roomCatchUp != null && frame.room() != null && roomCatchUp.absorbs(frame))
        || catchUp.absorbs(frame)) {
      return;
    }
    send(frame);
  }

  /** A frame for "the others": this session caused it, or its user is the one left out. */
  private boolean excluded(ServerFrame frame) {
    return (frame.exceptUser() != null && frame.exceptUser().equals(principal.userId()))
        || frame.skipsSession(idHigh, idLow);
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
    if (closeReason == null) {
      closeReason = io.herald.metrics.DisconnectReasons.of(code);
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
    if (transport.write(frame)) {
      meters.delivered();
    } else {
      meters.slowConsumer();
      try (Mdc mdc = Mdc.session(id(), principal.userId())) {
        log.info("session {} of user {} closed: outbound queue full", id(), principal.userId());
      }
      close(CloseCodes.SLOW_CONSUMER, "outbound queue full");
    }
  }

  /** Joins a room (policy already checked); completes when the cluster can route to it. */
  Future<Void> join(String room) {
    if (rooms.contains(room)) {
      return Future.succeededFuture();
    }
    ProtocolException full = rooms.checkLimits(room, RoomPolicy.userRoom(principal.userId()),
        hub.config.maxRoomsPerConnection, hub.config.maxStatusSubscriptions);
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
    if (roomCatchUp != null) {
      roomCatchUp.forget(room);
    }
    return rooms.remove(room) ? hub.rooms.leave(this, room) : Future.succeededFuture();
  }

  /**
   * Joins {@code room} and sends its history after {@code since}, with no gap and no duplicate
   * against live events; completes with how many were sent.
   */
  Future<Integer> joinWithHistory(String room, long since) {
    if (roomCatchUp == null) {
      roomCatchUp = new RoomCatchUp(this, hub.roomHistory);
    }
    return roomCatchUp.joinAndReplay(room, since, () -> join(room));
  }

  /**
   * Takes {@code n} status look-ups from this connection's budget; false (nothing taken) when the
   * budget of this minute is spent.
   */
  boolean takeStatusLookups(int n) {
    if (statusLookups == null) {
      statusLookups = new TokenBucket(hub.config.presenceStatusLookupsPerMinute, hub.services.nanos());
    }
    return statusLookups.tryTake(n, hub.services.nanos());
  }

  /** Ordered requests one connection may have in flight; more get RATE_LIMITED. */
  static final int MAX_ORDERED_IN_FLIGHT = 64;

  /**
   * Runs {@code op} after every earlier ordered request of this session has completed, so two
   * messages sent back to back are stored and delivered in that order. Call on the session's context.
   */
  <T> Future<T> inOrder(java.util.function.Supplier<Future<T>> op) {
    if (orderedPending >= MAX_ORDERED_IN_FLIGHT) {
      return Future.failedFuture(new ProtocolException(ErrorCode.RATE_LIMITED,
          "more than " + MAX_ORDERED_IN_FLIGHT + " messages in flight on this connection; wait for their replies"));
    }
    orderedPending++;
    Future<T> result = ordered.transform(previous -> {
      try {
        return op.get();
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    });
    ordered = result.andThen(ar -> orderedPending--);
    return result;
  }

  /**
   * Notes that this session types toward {@code key}; false (the event is dropped) when it already
   * types toward {@link Typing#MAX_TARGETS_PER_SESSION} others.
   */
  boolean trackTyping(String key) {
    if (typingKeys == null) {
      typingKeys = new java.util.ArrayList<>(2);
    }
    if (typingKeys.contains(key)) {
      return true;
    }
    if (typingKeys.size() >= Typing.MAX_TARGETS_PER_SESSION) {
      typingKeys.removeIf(k -> !hub.messaging.typingActive(k)); // those that ended since
      if (typingKeys.size() >= Typing.MAX_TARGETS_PER_SESSION) {
        return false;
      }
    }
    typingKeys.add(key);
    return true;
  }

  /** Every room the session is in (the personal room and status subscriptions included). */
  java.util.List<String> roomsSnapshot() {
    return rooms.snapshot();
  }

  /** Named rooms joined (not the personal room or status subscriptions). */
  int namedRooms() {
    return rooms.named(RoomPolicy.userRoom(principal.userId()));
  }

  /** Verifies a token (UNAUTHORIZED when refused). */
  Future<Principal> verify(String token) {
    return hub.services.verify(token);
  }

  /** Applies a refreshed token for the same user; resets the expiry timer. */
  void refreshed(Principal p) {
    principal = p;
    scheduleExpiry();
  }

  /**
   * Presence admitted the verified principal: the session opens. Live frames are held back from
   * this moment (it joins its personal room next) until the catch-up has sent the stored ones.
   */
  void opened(Principal p) {
    principal = p;
    admitted = true;
    catchUp = new CatchUp(this, hub.services);
    state = State.OPEN;
    meters.opened();
    if (log.isDebugEnabled()) {
      try (Mdc mdc = Mdc.session(id(), p.userId())) {
        log.debug("session opened over {}", transport.kind());
      }
    }
    hub.registry.add(this);
    scheduleExpiry();
  }

  /** Authentication failed after the token was verified (presence refused or unavailable): error, cleanup, close. */
  void notAdmitted(ProtocolException e, Object requestId) {
    boolean tooMany = e.code() == ErrorCode.TOO_MANY_CONNECTIONS;
    boolean draining = hub.state.draining();
    transport.write(ServerFrame.error(e.code(), e.getMessage(), requestId));
    cleanup();
    closeAfterLinger(tooMany ? CloseCodes.TOO_MANY_CONNECTIONS : draining ? CloseCodes.SERVICE_RESTART : CloseCodes.TRY_AGAIN_LATER,
        tooMany ? "too many connections" : draining ? "server shutting down" : "try again later");
  }

  /** The session is open and said so: replay, then the requests that came while it authenticated. */
  void catchUp(CatchUp.Cursor cursor) {
    opening = null; // its work is done; an idle connection does not keep it
    catchUp.run(principal.userId(), cursor, hub.config.replayUnreadLimit);
    for (Object item = inbound.nextKept(); item != null && state == State.OPEN; item = inbound.nextKept()) {
      accept(item);
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
    closeReason = "token_expired";
    send(ServerFrame.error(ErrorCode.UNAUTHORIZED, "token expired", null));
    close(CloseCodes.UNAUTHORIZED, "token expired");
  }

  /** Refuses authentication: an UNAUTHORIZED error frame, then close 4401. */
  void refuse(String reason) {
    if (state != State.AUTHENTICATING) {
      return;
    }
    hub.metrics.authFailure("socket", reason);
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
    if (opening != null) {
      opening.stop();
    }
    if (expiryIndex >= 0) {
      hub.expiryTimers(eventLoop).cancel(this);
    }
    if (catchUp != null) {
      catchUp.stop();
    }
    for (String room : rooms.snapshot()) {
      leave(room);
    }
    if (typingKeys != null) {
      hub.messaging.sessionClosed(typingKeys);
    }
    hub.registry.remove(this);
    hub.connections.decrementAndGet();
    if (admitted) {
      String reason = closeReason == null ? io.herald.metrics.DisconnectReasons.PEER : closeReason;
      meters.closed(reason);
      if (log.isDebugEnabled()) {
        try (Mdc mdc = Mdc.session(id(), principal.userId())) {
          log.debug("session closed ({})", reason);
        }
      }
      hub.services.release(principal.userId(), id());
    }
  }
}

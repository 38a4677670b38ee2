package io.herald.gateway.transport.bridge;

import static io.herald.gateway.transport.bridge.BridgeFrames.err;
import static io.herald.gateway.transport.bridge.BridgeFrames.rec;

import io.herald.config.HeraldConfig;
import io.herald.gateway.transport.Admission;
import io.herald.gateway.transport.FlushThenClose;
import io.herald.gateway.transport.OutboundBytes;
import io.herald.protocol.CloseCodes;
import io.herald.protocol.Encoded;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.ServerFrame;
import io.herald.protocol.WireFormat;
import io.herald.room.RoomPolicy;
import io.herald.session.Session;
import io.herald.session.SessionHub;
import io.herald.session.Transport;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One SockJS socket speaking the Vert.x event-bus bridge protocol, served from one Herald {@link
 * Session} (docs/transport-eventbus-bridge.md). Nothing is registered on the event bus: a client's
 * {@code register} is translated into the session's own events ({@code join-room}), and the
 * session's frames come back as {@code rec} envelopes on the address they belong to.
 *
 * <p>Inbound: the first envelope carrying a token (headers {@code Authorization: Bearer} or {@code
 * token}) becomes the session's {@code auth} frame; envelopes that arrive while it is verified wait
 * (at most {@value #MAX_EARLY}). Each request fed to the session gets an id, so its reply (or
 * error) is routed back to the address it is about. Outbound: a frame with a {@code room} goes to
 * {@code herald.room.{room}} if the client registered that room, any other frame to {@code
 * herald.user.{id}} if the client registered it; otherwise it is dropped, as the event bus drops a
 * message nobody listens to. Error frames without an id become an {@code err} without an address.
 *
 * <p>Everything runs on the socket's context, which is the session's.
 */
final class BridgeTransport implements Transport {
  /** Envelopes kept while the token is being verified. */
  static final int MAX_EARLY = 16;
  /** Requests handed to the session and not answered yet. */
  static final int MAX_IN_FLIGHT = 64;
  /** A room event as a {@code rec} body: the frame without its room (the address names it). */
  static final WireFormat ROOM_BODY = WireFormat.of("eventbus-bridge-room", f -> f.toJson(false));
  /** Close code when the client stopped pinging (vertx-web's raw bridge socket uses the same). */
  static final short NO_PING = 1001;
  /** How long a closing socket waits for its last envelopes to be taken (polling clients) before closing anyway. */
  static final long CLOSE_GRACE_MS = 2000;

  private enum Auth { NONE, PENDING, OPEN }

  private enum Kind { AUTH, JOIN, LEAVE, CALL }

  /** A request fed to the session: where its outcome goes ({@code address}, may be null). */
  private record Pending(Kind kind, String address, String room) {}

  private final Vertx vertx;
  private final SockJSSocket socket;
  private final int maxFrameBytes;
  private final OutboundBytes outbound;
  private final long pingTimeoutMs;
  private Session session;
  private Auth auth = Auth.NONE;
  private boolean closed;
  private long lastSeen = System.currentTimeMillis();
  private String authTarget;
  private String userAddress;
  private JsonObject connected;
  private boolean userRegistered;
  /** Rooms registered and joined. */
  private final Set<String> rooms = new HashSet<>();
  /** Rooms registered, join not answered yet. */
  private final Set<String> joining = new HashSet<>();
  private final ArrayDeque<Envelope> early = new ArrayDeque<>();
  private final Map<Long, Pending> inFlight = new HashMap<>();
  private long nextId;

  private BridgeTransport(Vertx vertx, SockJSSocket socket, HeraldConfig config) {
    this.vertx = vertx;
    this.socket = socket;
    this.maxFrameBytes = config.maxFrameBytes;
    this.outbound = new OutboundBytes(config.maxOutboundQueueBytes);
    this.pingTimeoutMs = config.bridgePingTimeoutMs;
  }

  /**
   * Wraps an accepted socket and hands it to a new session, which starts waiting for a token
   * (closed after {@code ws.auth-timeout-ms} without one).
   */
  static BridgeTransport attach(Vertx vertx, SessionHub hub, SockJSSocket socket, HeraldConfig config) {
    BridgeTransport transport = new BridgeTransport(vertx, socket, config);
    transport.session = hub.open(transport);
    socket.handler(buffer -> transport.onMessage(buffer.toString(StandardCharsets.UTF_8)));
    socket.exceptionHandler(err -> { }); // the close handler follows
    socket.closeHandler(v -> {
      transport.closed = true;
      transport.session.onTransportClosed();
    });
    transport.session.start(null, null);
    return transport;
  }

  /** A client that sent nothing, not even a ping, for {@code bridge.ping-timeout-ms} is closed (1001). */
  @Override
  public void keepAlive(long now) {
    if (!closed && now - lastSeen >= pingTimeoutMs) {
      session.close(NO_PING, "no ping within " + pingTimeoutMs + " ms");
    }
  }

  // ---- client -> server ------------------------------------------------------------------------

  void onMessage(String text) {
    lastSeen = System.currentTimeMillis();
    if (closed) {
      return;
    }
    if (text.length() > maxFrameBytes || io.herald.protocol.Utf8.length(text) > maxFrameBytes) {
      refuse(null, ErrorCode.PAYLOAD_TOO_LARGE, "message exceeds " + maxFrameBytes + " bytes");
      return;
    }
    JsonObject msg;
    try {
      msg = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      refuse(null, BridgeFrames.INVALID_JSON, ErrorCode.BAD_REQUEST, "message is not a JSON object");
      return;
    }
    Envelope e = envelope(msg);
    if (e == null) {
      return; // a ping, or refused
    }
    switch (auth) {
      case OPEN -> handle(e);
      case PENDING -> keep(e);
      case NONE -> authenticate(e, msg.getValue("headers"));
    }
  }

  /** Checks an envelope's shape and address; null when it needs nothing more (ping) or was refused. */
  private Envelope envelope(JsonObject msg) {
    Object parsed = Envelope.parse(msg);
    if (parsed instanceof Envelope.Refusal r) {
      reply(Encoded.of(err(r.address(), r.body(), r.code().httpStatus(), r.code().name(), r.message())));
      return null;
    }
    return (Envelope) parsed;
  }

  /** The first envelope with a token opens the session; without one, nothing can be done yet. */
  private void authenticate(Envelope e, Object headers) {
    if (e.type().equals("unregister")) {
      return;
    }
    String token = Admission.token(headers instanceof JsonObject h ? h : null);
    if (token == null) {
      refuse(e.target(), ErrorCode.UNAUTHORIZED,
          "no token: put {\"Authorization\":\"Bearer <jwt>\"} or {\"token\":\"<jwt>\"} in the headers");
      return;
    }
    auth = Auth.PENDING;
    authTarget = e.target();
    keep(e);
    JsonObject data = new JsonObject().put("token", token);
    if (headers instanceof JsonObject h && h.getValue("lastNotificationId") != null) {
      data.put("lastNotificationId", h.getValue("lastNotificationId").toString());
    }
    feed("auth", data, new Pending(Kind.AUTH, authTarget, null));
  }

  private void keep(Envelope e) {
    if (early.size() >= MAX_EARLY) {
      refuse(e.target(), ErrorCode.RATE_LIMITED, "more than " + MAX_EARLY + " messages before authentication completed");
      return;
    }
    early.add(e);
  }

  private void handle(Envelope e) {
    switch (e.type()) {
      case "register" -> register(e.address());
      case "unregister" -> unregister(e.address());
      default -> call(e);
    }
  }

  private void register(String address) {
    if (address.startsWith(BridgeAddresses.USER_PREFIX)) {
      if (!address.equals(userAddress)) {
        refuse(address, ErrorCode.FORBIDDEN, address + " is another user's address; this socket may register " + userAddress);
      } else if (userRegistered) {
        refuse(address, BridgeFrames.ALREADY_REGISTERED, ErrorCode.BAD_REQUEST, address + " is already registered");
      } else {
        userRegistered = true;
        reply(rec(userAddress, Encoded.of(new JsonObject().put("event", "connected").put("data", connected).encode())));
      }
      return;
    }
    String room = address.substring(BridgeAddresses.ROOM_PREFIX.length());
    if (rooms.contains(room) || joining.contains(room)) {
      refuse(address, BridgeFrames.ALREADY_REGISTERED, ErrorCode.BAD_REQUEST, address + " is already registered");
    } else if (RoomPolicy.isUserRoom(room)) {
      refuse(address, ErrorCode.FORBIDDEN, "a user's events are on " + BridgeAddresses.USER_PREFIX + "{id}, not on a room address");
    } else if (feed("join-room", new JsonObject().put("room", room), new Pending(Kind.JOIN, address, room))) {
      joining.add(room);
    }
  }

  private void unregister(String address) {
    if (address.equals(userAddress)) {
      userRegistered = false; // the session stays in the user's room: presence and replay need it
      return;
    }
    if (address.startsWith(BridgeAddresses.ROOM_PREFIX)) {
      String room = address.substring(BridgeAddresses.ROOM_PREFIX.length());
      if (rooms.remove(room) | joining.remove(room)) {
        feed("leave-room", new JsonObject().put("room", room), new Pending(Kind.LEAVE, null, room));
      }
    }
  }

  private void call(Envelope e) {
    if (e.body() != null && !(e.body() instanceof JsonObject)) {
      refuse(e.target(), ErrorCode.BAD_REQUEST, "body must be a JSON object");
      return;
    }
    JsonObject data = e.body() == null ? new JsonObject() : (JsonObject) e.body();
    feed(BridgeAddresses.SEND_EVENTS.get(e.address()), data, new Pending(Kind.CALL, e.target(), null));
  }

  /** Hands one event to the session, remembering where its answer goes. */
  private boolean feed(String event, JsonObject data, Pending pending) {
    if (inFlight.size() >= MAX_IN_FLIGHT) {
      refuse(pending.address(), ErrorCode.RATE_LIMITED, "more than " + MAX_IN_FLIGHT + " requests awaiting an answer");
      return false;
    }
    long id = ++nextId;
    inFlight.put(id, pending);
    session.request(event, data, id, 0); // the envelope was size-checked already
    return true;
  }

  // ---- server -> client ------------------------------------------------------------------------

  @Override
  public boolean write(ServerFrame frame) {
    if (closed) {
      return true;
    }
    Pending pending = frame.requestId() instanceof Long n ? inFlight.remove(n) : null;
    if (pending != null) {
      return answered(pending, frame);
    }
    if (frame.isError()) {
      // Not an answer: authentication refused or timed out, token expired, replay failed.
      return offer(error(auth == Auth.OPEN ? null : authTarget, frame.data()));
    }
    if (auth != Auth.OPEN) {
      return true;
    }
    String room = frame.room();
    if (room != null) {
      return !rooms.contains(room) || offer(rec(BridgeAddresses.room(room), frame.encoded(ROOM_BODY)));
    }
    return !userRegistered || offer(rec(userAddress, frame.encoded(WireFormat.JSON)));
  }

  private boolean answered(Pending p, ServerFrame frame) {
    boolean failed = frame.isError();
    Object data = frame.data();
    switch (p.kind()) {
      case AUTH:
        if (failed) {
          return offer(error(p.address(), data));
        }
        opened((JsonObject) data);
        return true;
      case JOIN:
        if (!joining.remove(p.room())) {
          return true; // unregistered meanwhile; the leave followed the join
        }
        if (failed) {
          return offer(error(p.address(), data));
        }
        rooms.add(p.room());
        return offer(rec(p.address(), answer(frame))); // the acknowledgement: {"event":"joined-room"}
      case LEAVE:
        return !failed || offer(error(null, data));
      default:
        if (failed) {
          return offer(error(p.address(), data));
        }
        return p.address() == null || offer(rec(p.address(), answer(frame)));
    }
  }

  /** A reply as the body of its {@code rec}: {@code {"event","data"}} (the request id is the bridge's own). */
  private static Encoded answer(ServerFrame reply) {
    return Encoded.of("{\"event\":" + Json.encode(reply.event()) + ",\"data\":" + reply.dataJson() + "}");
  }

  /** The session is open: the envelopes that waited are handled in order. */
  private void opened(JsonObject connectedData) {
    auth = Auth.OPEN;
    connected = connectedData;
    userAddress = BridgeAddresses.user(connectedData.getString("userId"));
    while (!early.isEmpty() && !closed) {
      handle(early.poll());
    }
  }

  private static Encoded error(String address, Object data) {
    JsonObject d = data instanceof JsonObject o ? o : new JsonObject();
    return Encoded.of(err(address, BridgeFrames.code(d.getString("code")), d.getString("message", "error")));
  }

  /**
   * Queues an envelope unless the client already has {@code ws.max-outbound-queue-bytes} (UTF-8
   * bytes) written and not yet flushed to it. SockJS's own queue bound does not hold over
   * its WebSocket transport, so the bound is kept here, from the write completions.
   */
  private boolean offer(Encoded envelope) {
    if (outbound.full()) {
      return false;
    }
    outbound.track(envelope.bytes(), socket.write(envelope.text()));
    return true;
  }

  /** Writes a refusal or acknowledgement; a client that does not read is closed like on /ws. */
  private void reply(Encoded envelope) {
    if (!offer(envelope)) {
      session.close(CloseCodes.SLOW_CONSUMER, "outbound queue full");
    }
  }

  private void refuse(String address, ErrorCode code, String message) {
    reply(Encoded.of(err(address, code, message)));
  }

  private void refuse(String address, String body, ErrorCode code, String message) {
    reply(Encoded.of(err(address, body, code.httpStatus(), code.name(), message)));
  }

  @Override
  public void close(short code, String reason) {
    if (closed) {
      return;
    }
    closed = true;
    if (code == CloseCodes.SLOW_CONSUMER) {
      socket.close(code, reason);
      return;
    }
    // SockJS drops what a polling client has not fetched yet when the socket closes: close once the
    // notice (and what preceded it) was taken, or after a grace period.
    FlushThenClose.after(vertx, socket.write(err(null, BridgeFrames.CLOSED, code, "CLOSED", reason)), CLOSE_GRACE_MS,
        () -> socket.close(code, reason));
  }

  @Override
  public long queuedBytes() {
    return outbound.queued();
  }

  @Override
  public String kind() {
    return "eventbus-bridge";
  }
}

package io.herald.protocol;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/**
 * One server-to-client frame, built once per delivery and shared by every socket it goes to: its
 * event, data, the room it was sent to (room events), the request it answers (replies), and the
 * stored item's id (stored notifications, the replay cursor). Each transport asks for its {@link
 * WireFormat}; the first ask encodes and caches, the rest of the fan-out reuses the text and its
 * byte size.
 *
 * <p>Immutable and safe to share across event loops: the caches are filled racily with immutable
 * values (two threads may encode the same format once each; both results are equal). The data
 * must not be changed once the frame is built.
 */
public final class ServerFrame {
  /** {@link #notificationId()} of a frame that is not a stored item. */
  public static final long NOT_STORED = -1;

  private final String event;
  private final String room;
  private final Object requestId;
  private final long notificationId;
  /** The user who published a client room event ({@code "from"} on the wire), else null. */
  private final String from;
  /** A room event's id in the room's history ({@code "roomEventId"}), or {@link #NOT_STORED}. */
  private final long roomEventId;
  /** Not on the wire: a session that must not get this frame (the one that caused it), or null. */
  private final String exceptSession;
  /**
   * {@link #exceptSession} as the two longs of its UUID, parsed once per frame, so a fan-out to
   * many sessions compares numbers instead of making each session's id string.
   */
  private final long exceptHigh;
  private final long exceptLow;
  private final boolean exceptsSession;
  /** Not on the wire: a user none of whose sessions get this frame (typing echoes), or null. */
  private final String exceptUser;
  /** The data as built, or as parsed on demand from {@link #dataJson} (a frame from another node). */
  private volatile Object data;
  private volatile boolean dataKnown;
  private String dataJson;
  private final Encoded[] encodings = new Encoded[WireFormat.MAX];

  private ServerFrame(String event, Object data, boolean dataKnown, String dataJson, String room, Object requestId,
      long notificationId) {
    this(event, data, dataKnown, dataJson, room, requestId, notificationId, null, NOT_STORED, null, null);
  }

  private ServerFrame(String event, Object data, boolean dataKnown, String dataJson, String room, Object requestId,
      long notificationId, String from, long roomEventId, String exceptSession, String exceptUser) {
    this.roomEventId = roomEventId;
    this.event = event;
    this.data = data;
    this.dataKnown = dataKnown;
    this.dataJson = dataJson;
    this.room = room;
    this.requestId = requestId;
    this.notificationId = notificationId;
    this.from = from;
    this.exceptSession = exceptSession;
    java.util.UUID except = sessionUuid(exceptSession);
    this.exceptsSession = except != null;
    this.exceptHigh = except == null ? 0 : except.getMostSignificantBits();
    this.exceptLow = except == null ? 0 : except.getLeastSignificantBits();
    this.exceptUser = exceptUser;
  }

  /** A client's event in a room, published by {@code from}: {@code {"event","data","room","from"}}. */
  public static ServerFrame fromMember(String event, Object data, String room, String from) {
    return new ServerFrame(event, data, true, null, room, null, NOT_STORED, from, NOT_STORED, null, null);
  }

  /**
   * An event kept in a room's history: {@code {"event","data","room","from"?,"roomEventId"}}
   * ({@code from} null for a backend's event).
   */
  public static ServerFrame roomEvent(String event, Object data, String room, String from, long roomEventId) {
    return new ServerFrame(event, data, true, null, room, null, NOT_STORED, from, roomEventId, null, null);
  }

  /**
   * This frame, not to be delivered to the session {@code exceptSession} nor to any session of
   * {@code exceptUser} (either may be null): "the others" of a room or of a user's sessions.
   */
  public ServerFrame except(String exceptSession, String exceptUser) {
    return new ServerFrame(event, dataKnown ? data : null, dataKnown, dataJson, room, requestId, notificationId, from,
        roomEventId, exceptSession, exceptUser);
  }

  /** The same data under another event name (a per-namespace alias); encoded separately. */
  public ServerFrame renamed(String alias) {
    return new ServerFrame(alias, dataKnown ? data : null, dataKnown, dataJson, room, requestId, notificationId, from,
        roomEventId, exceptSession, exceptUser);
  }

  /** A frame for a user or everyone: {@code {"event","data"}}. */
  public static ServerFrame event(String event, Object data) {
    return new ServerFrame(event, data, true, null, null, null, NOT_STORED);
  }

  /** A room event: {@code {"event","data","room"}}. */
  public static ServerFrame toRoom(String event, Object data, String room) {
    return new ServerFrame(event, data, true, null, room, null, NOT_STORED);
  }

  /** A reply to a client request: {@code {"event","data","id"}} ({@code id} may be null). */
  public static ServerFrame reply(String event, Object data, Object requestId) {
    return new ServerFrame(event, data, true, null, null, requestId, NOT_STORED);
  }

  /** An {@code error} frame {@code {"code","message"}}, answering {@code requestId} when not null. */
  public static ServerFrame error(ErrorCode code, String message, Object requestId) {
    return reply("error", new JsonObject().put("code", code.name()).put("message", message), requestId);
  }

  /** A stored item: {@code {"event","data","notificationId"}}. */
  public static ServerFrame stored(String event, Object data, long notificationId) {
    return new ServerFrame(event, data, true, null, null, null, notificationId);
  }

  /**
   * A frame whose data is already JSON text (as it travels between nodes); the data is parsed only
   * if a transport asks for it as an object.
   */
  public static ServerFrame ofEncodedData(String event, String dataJson, String room, long notificationId) {
    return new ServerFrame(event, null, false, dataJson, room, null, notificationId);
  }

  /** {@link #ofEncodedData}, with the publishing user and the exclusions (from another node). */
  public static ServerFrame ofEncodedData(String event, String dataJson, String room, long notificationId, String from,
      long roomEventId, String exceptSession, String exceptUser) {
    return new ServerFrame(event, null, false, dataJson, room, null, notificationId, from, roomEventId, exceptSession,
        exceptUser);
  }

  public String event() {
    return event;
  }

  /** The data as a JSON value (JsonObject, JsonArray, String, Number, Boolean or null). */
  public Object data() {
    if (!dataKnown) {
      data = Json.decodeValue(dataJson);
      dataKnown = true;
    }
    return data;
  }

  /** The data as JSON text. */
  public String dataJson() {
    String json = dataJson;
    if (json == null) {
      json = Json.encode(data);
      dataJson = json;
    }
    return json;
  }

  /** The room of a room event, else null. */
  public String room() {
    return room;
  }

  /** The user who published this client room event, else null. */
  public String from() {
    return from;
  }

  /** A room event's id in the room's history, or {@link #NOT_STORED}. */
  public long roomEventId() {
    return roomEventId;
  }

  /** The session id that must not get this frame, or null. */
  public String exceptSession() {
    return exceptSession;
  }

  /** Whether the session whose UUID is {@code high}/{@code low} must not get this frame. */
  public boolean skipsSession(long high, long low) {
    return exceptsSession && high == exceptHigh && low == exceptLow;
  }

  private static java.util.UUID sessionUuid(String id) {
    if (id == null) {
      return null;
    }
    try {
      return java.util.UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      return null; // not a session id: skips no session
    }
  }

  /** The user none of whose sessions get this frame, or null. */
  public String exceptUser() {
    return exceptUser;
  }

  /** The id of the client request this answers, else null. */
  public Object requestId() {
    return requestId;
  }

  /** The stored item's id, or {@link #NOT_STORED}. */
  public long notificationId() {
    return notificationId;
  }

  public boolean isStored() {
    return notificationId >= 0;
  }

  public boolean isError() {
    return "error".equals(event);
  }

  /** This frame in {@code format}, encoded at the first ask and cached. */
  public Encoded encoded(WireFormat format) {
    Encoded e = encodings[format.slot];
    if (e == null) {
      e = Encoded.of(format.encode(this));
      encodings[format.slot] = e;
    }
    return e;
  }

  /** The {@code /ws} JSON text (cached). */
  public String json() {
    return encoded(WireFormat.JSON).text();
  }

  /** {@code {"event","data","room"?,"from"?,"roomEventId"?,"id"?,"notificationId"?}}; see {@link WireFormat#JSON}. */
  static String toJson(ServerFrame f) {
    return f.toJson(true);
  }

  /** The JSON frame, with or without its {@code room} field. */
  public String toJson(boolean withRoom) {
    String data = dataJson();
    StringBuilder b = new StringBuilder(data.length() + event.length() + 48);
    b.append("{\"event\":").append(Json.encode(event)).append(",\"data\":").append(data);
    if (withRoom && room != null) {
      b.append(",\"room\":").append(Json.encode(room));
    }
    if (from != null) {
      b.append(",\"from\":").append(Json.encode(from));
    }
    if (roomEventId >= 0) {
      b.append(",\"roomEventId\":").append(roomEventId);
    }
    if (requestId != null) {
      b.append(",\"id\":").append(Json.encode(requestId));
    }
    if (notificationId >= 0) {
      b.append(",\"notificationId\":").append(notificationId);
    }
    return b.append('}').toString();
  }

  @Override
  public String toString() {
    return json();
  }
}

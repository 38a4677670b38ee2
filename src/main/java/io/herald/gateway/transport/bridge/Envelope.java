package io.herald.gateway.transport.bridge;

import io.herald.protocol.ErrorCode;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * A client envelope of the event-bus bridge protocol that passed the static checks: its type, its
 * address (one the client may use that way), its reply address and body. {@link #parse} also
 * answers a ping (null) or the refusal a malformed or forbidden envelope gets.
 */
record Envelope(String type, String address, String replyAddress, Object body) {
  /** vertx-eventbus.js reply addresses are UUIDs; vertx-web refuses longer ones too. */
  static final int MAX_REPLY_ADDRESS = 36;
  private static final Set<String> TYPES = Set.of("register", "unregister", "send", "publish");

  /** Why an envelope is refused: the {@code err} for {@code address} (null: none) with a vertx-web style body. */
  record Refusal(String address, String body, ErrorCode code, String message) {}

  /** Where the outcome of this envelope is reported: the registered address or the reply address. */
  String target() {
    return switch (type) {
      case "register" -> address;
      case "send" -> replyAddress;
      default -> null;
    };
  }

  /** An {@link Envelope}, null for a ping, or a {@link Refusal}. */
  static Object parse(JsonObject msg) {
    if (!(msg.getValue("type") instanceof String type)) {
      return new Refusal(null, BridgeFrames.MISSING_TYPE, ErrorCode.BAD_REQUEST, "type is required");
    }
    if (type.equals("ping")) {
      return null;
    }
    if (!TYPES.contains(type)) {
      return new Refusal(null, BridgeFrames.INVALID_TYPE, ErrorCode.BAD_REQUEST, "unknown type '" + type + "'");
    }
    if (!(msg.getValue("address") instanceof String address) || address.isEmpty()) {
      return new Refusal(null, BridgeFrames.MISSING_ADDRESS, ErrorCode.BAD_REQUEST, "address is required");
    }
    Object reply = msg.getValue("replyAddress");
    if (reply != null && !(reply instanceof String r && !r.isEmpty() && r.length() <= MAX_REPLY_ADDRESS)) {
      return new Refusal(null, BridgeFrames.INVALID_REPLY_ADDRESS, ErrorCode.BAD_REQUEST,
          "replyAddress must be a string of at most " + MAX_REPLY_ADDRESS + " characters");
    }
    Envelope e = new Envelope(type, address, (String) reply, msg.getValue("body"));
    String denied = type.endsWith("register") ? registrable(address) : sendable(address);
    return denied == null ? e : new Refusal(e.target(), BridgeFrames.bodyOf(ErrorCode.FORBIDDEN), ErrorCode.FORBIDDEN, denied);
  }

  private static String registrable(String address) {
    boolean user = address.startsWith(BridgeAddresses.USER_PREFIX) && address.length() > BridgeAddresses.USER_PREFIX.length();
    boolean room = address.startsWith(BridgeAddresses.ROOM_PREFIX) && address.length() > BridgeAddresses.ROOM_PREFIX.length();
    return user || room ? null
        : "only " + BridgeAddresses.USER_PREFIX + "{your user id} and " + BridgeAddresses.ROOM_PREFIX + "{room} can be registered";
  }

  private static String sendable(String address) {
    return BridgeAddresses.SEND_EVENTS.containsKey(address) ? null
        : "'" + address + "' does not take messages from clients; the addresses that do are " + BridgeAddresses.SEND_EVENTS.keySet();
  }
}

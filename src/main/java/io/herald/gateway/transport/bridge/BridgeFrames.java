package io.herald.gateway.transport.bridge;

import io.herald.protocol.Encoded;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.Utf8;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * Server-to-client envelopes of the Vert.x event-bus bridge protocol, as vertx-web's bridge writes
 * them and {@code @vertx/eventbus-bridge-client.js} reads them.
 *
 * <p>{@code rec} carries a message. {@code err} carries a refusal: {@code body} is a vertx-web
 * style code ({@code access_denied}, {@code invalid_json}, ...). Herald adds {@code failureCode},
 * {@code failureType} (its stable {@link ErrorCode}) and {@code message}, and the {@code address}
 * the refusal is about, so the stock client hands them to that address's handler (or to the
 * send's reply callback) as {@code {failureCode, failureType, message}}; an err without an address
 * reaches the client's {@code onerror}.
 */
final class BridgeFrames {
  private BridgeFrames() {}

  /* The err bodies vertx-web's bridge uses for malformed envelopes (same words, same meaning). */
  static final String INVALID_JSON = "invalid_json";
  static final String MISSING_TYPE = "missing_type";
  static final String MISSING_ADDRESS = "missing_address";
  static final String INVALID_TYPE = "invalid_type";
  static final String ACCESS_DENIED = "access_denied";
  static final String ALREADY_REGISTERED = "address_already_registered";
  static final String INVALID_REPLY_ADDRESS = "invalid_reply_address";
  /** Herald's own: the socket is being closed; failureCode is the close code. */
  static final String CLOSED = "closed";

  /** A message for {@code address}: {@code body} is JSON text (a shared frame encoding). */
  static Encoded rec(String address, Encoded body) {
    String head = "{\"type\":\"rec\",\"address\":" + Json.encode(address) + ",\"body\":";
    return new Encoded(head + body.text() + "}", Utf8.length(head) + body.bytes() + 1);
  }

  /** A refusal with a Herald error code; {@code address} may be null. */
  static String err(String address, ErrorCode code, String message) {
    return err(address, bodyOf(code), code.httpStatus(), code.name(), message);
  }

  static String err(String address, String body, int failureCode, String failureType, String message) {
    JsonObject e = new JsonObject().put("type", "err");
    if (address != null) {
      e.put("address", address);
    }
    return e.put("body", body)
        .put("failureCode", failureCode)
        .put("failureType", failureType)
        .put("message", message)
        .encode();
  }

  /** The vertx-web style body for a Herald error code: refusals of who-may-do-what are access_denied. */
  static String bodyOf(ErrorCode code) {
    return code == ErrorCode.UNAUTHORIZED || code == ErrorCode.FORBIDDEN ? ACCESS_DENIED
        : code.name().toLowerCase(Locale.ROOT);
  }

  /** Parses a Herald error code name; INTERNAL for an unknown one. */
  static ErrorCode code(String name) {
    try {
      return ErrorCode.valueOf(name);
    } catch (IllegalArgumentException | NullPointerException e) {
      return ErrorCode.INTERNAL;
    }
  }
}

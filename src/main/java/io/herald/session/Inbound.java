package io.herald.session;

import io.herald.protocol.ClientRequest;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.ProtocolException;
import io.herald.protocol.Utf8;
import java.util.ArrayDeque;

/**
 * What a client sends, turned into requests in arrival order: the frame-size limit (checked before
 * anything is kept or parsed), decoding, the queue of requests that arrive while the token is being
 * verified, and the inbound rate limit. An item is a {@link ClientRequest}, or the {@link
 * ProtocolException} a bad frame is answered with in its turn. Used on the session's context.
 */
final class Inbound {
  /** Requests kept while the token is being verified. */
  static final int MAX_EARLY = 16;

  private final int maxFrameBytes;
  private final int perMinute;
  private ArrayDeque<Object> early;
  /** Made at the first request (a bucket starts full, so that is the same as at open). */
  private TokenBucket bucket;

  Inbound(int maxFrameBytes, int perMinute) {
    this.maxFrameBytes = maxFrameBytes;
    this.perMinute = perMinute;
  }

  /** A text frame of the JSON protocol. */
  Object decode(String text) {
    if (text.length() > maxFrameBytes || (text.length() * 3L > maxFrameBytes && Utf8.length(text) > maxFrameBytes)) {
      return tooLarge(null);
    }
    try {
      return ClientRequest.parse(text);
    } catch (ProtocolException e) {
      return e;
    }
  }

  /** A request a transport decoded itself, {@code wireBytes} long as received. */
  Object decode(Object event, Object data, Object id, int wireBytes) {
    if (wireBytes > maxFrameBytes) {
      return tooLarge(id);
    }
    try {
      return ClientRequest.of(event, data, id);
    } catch (ProtocolException e) {
      return e;
    }
  }

  private ProtocolException tooLarge(Object id) {
    return new ProtocolException(ErrorCode.PAYLOAD_TOO_LARGE, "frame exceeds " + maxFrameBytes + " bytes", id);
  }

  /** Keeps an item until the session opens; false (nothing kept) when {@value #MAX_EARLY} already wait. */
  boolean keep(Object item) {
    if (early == null) {
      early = new ArrayDeque<>(4);
    }
    if (early.size() >= MAX_EARLY) {
      return false;
    }
    early.add(item);
    return true;
  }

  /** The next kept item, or null; the queue is dropped once empty. */
  Object nextKept() {
    Object item = early == null ? null : early.poll();
    if (item == null) {
      early = null;
    }
    return item;
  }

  /** Takes one request from the rate budget; false when {@code perMinute} are spent. */
  boolean allow(long nanos) {
    if (bucket == null) {
      bucket = new TokenBucket(perMinute, nanos);
    }
    return bucket.tryTake(nanos);
  }

  int perMinute() {
    return perMinute;
  }
}

package io.herald.protocol;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One way of putting a {@link ServerFrame} on the wire: the {@code /ws} JSON text, an SSE block, a
 * Socket.IO packet's arguments, an event-bus bridge body. A frame caches its encoding per format,
 * so a fan-out to a thousand sockets of one kind encodes once. A transport declares its format as
 * a constant; formats are few (at most {@value #MAX}), made once per JVM.
 */
public final class WireFormat {
  /** Most formats a JVM may declare (the size of each frame's cache). */
  static final int MAX = 8;
  private static final AtomicInteger SLOTS = new AtomicInteger();

  /** The JSON protocol of {@code /ws} and SockJS: {@code {"event","data","room"?,"id"?,"notificationId"?}}. */
  public static final WireFormat JSON = of("json", ServerFrame::toJson);

  final int slot;
  private final String name;
  private final Function<ServerFrame, String> encoder;

  private WireFormat(int slot, String name, Function<ServerFrame, String> encoder) {
    this.slot = slot;
    this.name = name;
    this.encoder = encoder;
  }

  /** Declares a format; call once, into a {@code static final} field. */
  public static WireFormat of(String name, Function<ServerFrame, String> encoder) {
    int slot = SLOTS.getAndIncrement();
    if (slot >= MAX) {
      throw new IllegalStateException("more than " + MAX + " wire formats declared (" + name + ")");
    }
    return new WireFormat(slot, name, encoder);
  }

  String encode(ServerFrame frame) {
    return encoder.apply(frame);
  }

  @Override
  public String toString() {
    return name;
  }
}

package io.herald.room;

import io.herald.protocol.ServerFrame;
import io.vertx.core.Context;

/**
 * What the room index and the fan-out need of a room member (an open session): who it is, the event
 * loop it runs on, and how to hand it a frame there.
 */
public interface RoomMember {
  /** The member's own id (a session id). */
  String memberId();

  /** The authenticated user. */
  String userId();

  /** The event loop the member runs on: a fan-out groups its writes by it. */
  Context eventLoopContext();

  /** Delivers a frame; call on {@link #eventLoopContext()}. Only to Socket.IO namespace {@code ns} when not null. */
  void deliverOnEventLoop(ServerFrame frame, String ns);
}

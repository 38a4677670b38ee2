package io.herald.routing;

import io.herald.metrics.HeraldMetrics;
import io.herald.protocol.ServerFrame;
import io.herald.room.LocalMembers;
import io.herald.room.LocalRooms;
import io.herald.room.RoomMember;
import io.vertx.core.Context;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The last hop of a delivery: a {@link NodeMessage}'s frames to this node's sessions. Sessions are
 * grouped by the event loop they run on and each group is written in order there, one task per
 * event loop rather than one per session; each frame is encoded once per wire format, by the first
 * socket that needs that format.
 */
final class LocalFanOut {
  private final LocalRooms rooms;
  private final LocalMembers sessions;
  private final java.util.function.Supplier<HeraldMetrics> metrics;

  LocalFanOut(LocalRooms rooms, LocalMembers sessions, java.util.function.Supplier<HeraldMetrics> metrics) {
    this.rooms = rooms;
    this.sessions = sessions;
    this.metrics = metrics;
  }

  void deliver(NodeMessage m) {
    fanOut(m.broadcast() ? sessions.all() : targets(m.rooms()), m.frames(), m.namespace());
  }

  /** The users with a session here in {@code room}, sorted. */
  Set<String> usersIn(String room) {
    Set<String> users = new TreeSet<>();
    for (RoomMember m : rooms.members(room)) {
      users.add(m.userId());
    }
    return users;
  }

  private Collection<? extends RoomMember> targets(List<String> roomNames) {
    if (roomNames.size() == 1) {
      return rooms.members(roomNames.get(0));
    }
    Set<RoomMember> union = new HashSet<>();
    for (String r : roomNames) {
      union.addAll(rooms.members(r));
    }
    return union;
  }

  private void fanOut(Collection<? extends RoomMember> targets, List<ServerFrame> frames, String ns) {
    HeraldMetrics m = metrics.get();
    Map<Context, List<RoomMember>> byLoop = new HashMap<>(8);
    for (RoomMember s : targets) {
      byLoop.computeIfAbsent(s.eventLoopContext(), k -> new ArrayList<>()).add(s);
    }
    byLoop.forEach((loop, group) -> loop.runOnContext(v -> {
      long start = System.nanoTime();
      for (ServerFrame frame : frames) {
        for (RoomMember s : group) {
          s.deliverOnEventLoop(frame, ns);
        }
      }
      m.fanOut(System.nanoTime() - start);
    }));
  }
}

package io.herald.routing;

import io.herald.protocol.ServerFrame;
import io.herald.room.LocalRooms;
import io.herald.session.Session;
import io.herald.session.SessionRegistry;
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
  private final SessionRegistry sessions;

  LocalFanOut(LocalRooms rooms, SessionRegistry sessions) {
    this.rooms = rooms;
    this.sessions = sessions;
  }

  void deliver(NodeMessage m) {
    fanOut(m.broadcast() ? sessions.all() : targets(m.rooms()), m.frames(), m.namespace());
  }

  /** The users with a session here in {@code room}, sorted. */
  Set<String> usersIn(String room) {
    Set<String> users = new TreeSet<>();
    for (Session s : rooms.members(room)) {
      if (s.principal() != null) {
        users.add(s.principal().userId());
      }
    }
    return users;
  }

  private Collection<Session> targets(List<String> roomNames) {
    if (roomNames.size() == 1) {
      return rooms.members(roomNames.get(0));
    }
    Set<Session> union = new HashSet<>();
    for (String r : roomNames) {
      union.addAll(rooms.members(r));
    }
    return union;
  }

  private static void fanOut(Collection<Session> targets, List<ServerFrame> frames, String ns) {
    Map<Context, List<Session>> byLoop = new HashMap<>(8);
    for (Session s : targets) {
      byLoop.computeIfAbsent(s.eventLoopContext(), k -> new ArrayList<>()).add(s);
    }
    byLoop.forEach((loop, group) -> loop.runOnContext(v -> {
      for (ServerFrame frame : frames) {
        for (Session s : group) {
          s.deliverOnEventLoop(frame, ns);
        }
      }
    }));
  }
}

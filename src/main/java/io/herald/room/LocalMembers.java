package io.herald.room;

import java.util.Collection;

/** Every member (open session) of this node, whatever its rooms: for broadcasts, stats and presence checks. */
public interface LocalMembers {
  /** A snapshot of every open session of this node. */
  Collection<? extends RoomMember> all();

  /** How many there are. */
  int size();
}

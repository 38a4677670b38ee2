package io.herald.session;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Every open session of this node. Thread-safe. */
public final class SessionRegistry {
  private final Set<Session> sessions = ConcurrentHashMap.newKeySet();

  void add(Session s) {
    sessions.add(s);
  }

  void remove(Session s) {
    sessions.remove(s);
  }

  public int size() {
    return sessions.size();
  }

  public Collection<Session> all() {
    return sessions;
  }
}

package io.herald.session;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;

/** Every open session of this node, by id. Thread-safe. */
public final class SessionRegistry {
  private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();

  void add(Session s) {
    sessions.put(s.id(), s);
  }

  void remove(Session s) {
    sessions.remove(s.id(), s);
  }

  public int size() {
    return sessions.size();
  }

  public Collection<Session> all() {
    return sessions.values();
  }
}

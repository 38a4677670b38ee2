package io.herald.session;

import io.herald.room.LocalMembers;
import io.vertx.core.Context;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every open session of this node, by the event loop it runs on, so that per-loop work (the
 * gateway's keep-alive) walks only that loop's sessions. Thread-safe.
 */
public final class SessionRegistry implements LocalMembers {
  private final ConcurrentHashMap<Context, Set<Session>> byLoop = new ConcurrentHashMap<>();
  private final AtomicInteger size = new AtomicInteger();

  void add(Session s) {
    if (byLoop.computeIfAbsent(s.eventLoopContext(), k -> ConcurrentHashMap.newKeySet()).add(s)) {
      size.incrementAndGet();
    }
  }

  void remove(Session s) {
    Set<Session> loop = byLoop.get(s.eventLoopContext());
    if (loop != null && loop.remove(s)) {
      size.decrementAndGet();
    }
  }

  @Override
  public int size() {
    return size.get();
  }

  /** The open sessions on {@code eventLoop} (a base context, {@link Session#eventLoopContext()}); a live view. */
  public Collection<Session> on(Context eventLoop) {
    Set<Session> loop = byLoop.get(eventLoop);
    return loop == null ? List.of() : loop;
  }

  /** A snapshot of every open session. */
  @Override
  public Collection<Session> all() {
    List<Session> out = new ArrayList<>(size.get());
    byLoop.values().forEach(out::addAll);
    return out;
  }
}

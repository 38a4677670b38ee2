package io.herald.session;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/** Node lifecycle flags read by the health endpoints and the transports. */
public final class NodeState {
  private volatile boolean started;
  private volatile boolean draining;
  private final List<BooleanSupplier> readinessChecks = new CopyOnWriteArrayList<>();

  public void markStarted() {
    started = true;
  }

  /** Stops accepting new connections (SIGTERM). */
  public void markDraining() {
    draining = true;
  }

  public boolean draining() {
    return draining;
  }

  /** Adds a condition readiness requires (the store answering, the node not full). */
  public void requireForReadiness(BooleanSupplier check) {
    readinessChecks.add(check);
  }

  /** Ready: joined the cluster, every verticle deployed, every check passing, not shutting down. */
  public boolean ready() {
    if (!started || draining) {
      return false;
    }
    for (BooleanSupplier check : readinessChecks) {
      if (!check.getAsBoolean()) {
        return false;
      }
    }
    return true;
  }
}

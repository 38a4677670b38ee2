package io.herald.session;

/** Node lifecycle flags read by the health endpoints and the transports. */
public final class NodeState {
  private volatile boolean started;
  private volatile boolean draining;

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

  /** Ready: joined the cluster, every verticle deployed, not shutting down. */
  public boolean ready() {
    return started && !draining;
  }
}

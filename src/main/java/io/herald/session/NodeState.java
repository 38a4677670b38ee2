package io.herald.session;

/** Node lifecycle flags read by the health endpoints and the transports. */
public final class NodeState {
  private volatile boolean started;
  private volatile boolean draining;
  private volatile java.util.function.BooleanSupplier storeAvailable = () -> true;

  /** Readiness also requires the notification store to answer. */
  public void storeHealth(java.util.function.BooleanSupplier available) {
    this.storeAvailable = available;
  }

  public boolean storeAvailable() {
    return storeAvailable.getAsBoolean();
  }

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

  /** Ready: joined the cluster, every verticle deployed, the store answering, not shutting down. */
  public boolean ready() {
    return started && !draining && storeAvailable.getAsBoolean();
  }
}

package io.herald.store;

import io.vertx.core.Future;

/** Lets one node of the cluster run a periodic job per interval. */
public interface JobLease {
  /**
   * Claims {@code job} if no node ran it in the last {@code minGapMs}: of the nodes that ask at
   * about the same time, exactly one gets true. A node that dies during the job simply leaves it
   * to the next interval.
   */
  Future<Boolean> claim(String job, long minGapMs);
}

package io.herald.cluster;

import java.util.HashSet;
import java.util.Set;

/**
 * The cluster's one record of a user's connections: the Hazelcast IMap {@value #MAP}, user id ->
 * {@code since} then, for each connection, {@value #CONNECTION} {@code node} {@value #NODE_END}
 * {@code session}. Presence writes it (admission, close, a departed node's purge); routing reads it
 * to find the nodes of a personal room {@code user:{id}}, which therefore needs no entry of its
 * own in the room index.
 */
public final class UserConnections {
  public static final String MAP = "herald.presence.users";
  /** Starts each connection in a value. */
  public static final char CONNECTION = '\u0002';
  /** Ends a connection's node id (its session id follows). */
  public static final char NODE_END = '\u0001';

  private UserConnections() {}

  /** The ids of the nodes holding a connection in {@code value} (a {@value #MAP} value, or null). */
  public static Set<String> nodes(String value) {
    Set<String> nodes = new HashSet<>(4);
    if (value == null) {
      return nodes;
    }
    int at = value.indexOf(CONNECTION);
    while (at >= 0) {
      int end = value.indexOf(NODE_END, at + 1);
      int next = value.indexOf(CONNECTION, at + 1);
      if (end > at && (next < 0 || end < next)) {
        nodes.add(value.substring(at + 1, end));
      }
      at = next;
    }
    return nodes;
  }
}

package io.herald.cluster;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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

  /** When the user came online, or the time of their last close (a non-null value). */
  public static long since(String value) {
    int at = value.indexOf(CONNECTION);
    return Long.parseLong(at < 0 ? value : value.substring(0, at));
  }

  /** The connections of a value, each {@code node} {@value #NODE_END} {@code session}; empty for null. */
  public static List<String> connections(String value) {
    List<String> connections = new ArrayList<>();
    if (value == null) {
      return connections;
    }
    int at = value.indexOf(CONNECTION);
    while (at >= 0) {
      int next = value.indexOf(CONNECTION, at + 1);
      connections.add(value.substring(at + 1, next < 0 ? value.length() : next));
      at = next;
    }
    return connections;
  }

  /** The ids of the nodes holding a connection in {@code value} (a {@value #MAP} value, or null). */
  public static Set<String> nodes(String value) {
    Set<String> nodes = new HashSet<>(4);
    for (String c : connections(value)) {
      int end = c.indexOf(NODE_END);
      if (end > 0) {
        nodes.add(c.substring(0, end));
      }
    }
    return nodes;
  }
}

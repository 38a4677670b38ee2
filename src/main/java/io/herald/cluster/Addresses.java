package io.herald.cluster;

/**
 * Every event-bus address Herald uses; no address literal appears anywhere else.
 *
 * <p>Producer addresses ({@code herald.send.*}, {@code herald.broadcast}, {@code herald.notify.user})
 * have one clustered consumer per node: any verticle in the cluster may send JSON to them (see
 * docs/event-bus.md). Node addresses have exactly one consumer per node, so opening a socket or
 * joining a room never registers anything on the event bus. Auth is node-local.
 */
public final class Addresses {
  private Addresses() {}

  /** Send an event to every socket of one user. Body {userId, event, data}; reply {delivered}. */
  public static final String SEND_USER = "herald.send.user";
  /** Send an event to the sockets of several users. Body {userIds, event, data}; reply {delivered}. */
  public static final String SEND_USERS = "herald.send.users";
  /** Send an event to every member of a room. Body {room, event, data}; reply {delivered}. */
  public static final String SEND_ROOM = "herald.send.room";
  /** Send an event to every connected client of the cluster. Body {event, data}; reply {}. */
  public static final String BROADCAST = "herald.broadcast";
  /** Notify one user: Body {userId, type, title, message, data}; reply {delivered}. */
  public static final String NOTIFY_USER = "herald.notify.user";

  /** Node-local: verify a JWT. Body {token}; reply the principal, or fails with 401. */
  public static final String AUTH_VERIFY = "herald.auth.verify";

  /** Prefix of the one consumer each node registers for deliveries and queries addressed to it. */
  public static final String NODE_PREFIX = "herald.node.";
  /** Published to every node: a frame for all local sockets (broadcast). */
  public static final String NODES_BROADCAST = "herald.nodes.broadcast";

  /** The address of one node's delivery consumer. */
  public static String node(String nodeId) {
    return NODE_PREFIX + nodeId;
  }
}

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
  /**
   * Delivery options for the node-local addresses (auth, store, presence, push, route-frame): the
   * message goes straight to this node's consumer. Without them the clustered event bus first asks
   * the cluster's registry who consumes the address, a Hazelcast read that can stall for the
   * send timeout (30 s) while members join or leave. Never modify this instance.
   */
  public static final io.vertx.core.eventbus.DeliveryOptions LOCAL = new io.vertx.core.eventbus.DeliveryOptions().setLocalOnly(true);

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

  /*
   * Node-local store API (StoreVerticle, docs/storage.md). Every reply is JSON; failures carry 400
   * (bad request, the message names the field) or 503 (the database is unavailable).
   */
  /** Store one notification. Body a NewNotification ({userId, event?, type, title, message, data}); reply the stored one with {@code unread}, its user's unread count after the commit. */
  public static final String STORE_INSERT = "herald.store.insert";
  /** Store several notifications atomically. Body {items: [NewNotification]}; reply {items: [stored with unread, in order]}. */
  public static final String STORE_INSERT_BATCH = "herald.store.insert-batch";
  /** Replay: a user's notifications after an id, ascending. Body {userId, afterId, limit}; reply {items}. */
  public static final String STORE_AFTER = "herald.store.after";
  /** A user's newest unread notifications, ascending. Body {userId, limit}; reply {items}. */
  public static final String STORE_UNREAD = "herald.store.unread";
  /** History page, newest first. Body {userId, before?, limit}; reply {items, nextBefore}. */
  public static final String STORE_PAGE = "herald.store.page";
  /** Mark some of a user's notifications read. Body {userId, ids: [..]}; reply {updated}. */
  public static final String STORE_MARK_READ = "herald.store.mark-read";
  /** Mark all of a user's notifications read. Body {userId}; reply {updated}. */
  public static final String STORE_MARK_ALL_READ = "herald.store.mark-all-read";
  /** Mark one notification read. Body {userId, id}; reply {found} (false: not this user's). */
  public static final String STORE_MARK_ONE_READ = "herald.store.mark-one-read";
  /** A user's unread count. Body {userId}; reply {count}. */
  public static final String STORE_UNREAD_COUNT = "herald.store.unread-count";
  /**
   * Direct messages (store.PgMessageStore): {@code .send} {senderId, receiverId, content,
   * clientMessageId?, dedupWindowMs}; {@code .history} {userId, with, before?, limit};
   * {@code .conversations} {userId, before?, limit}; {@code .mark-read} {userId, messageId} or
   * {userId, conversationId, upTo?}; {@code .block} / {@code .unblock} {userId, otherId};
   * {@code .blocked} {userId, otherId}. A block fails with 403.
   */
  public static final String STORE_MESSAGE_PREFIX = "herald.store.message.";
  /**
   * Room history (store.PgRoomHistory): {@code .insert} {room, event, data, from?} -> the event;
   * {@code .after} {room, afterId, limit} -> {items}, oldest first; {@code .page} {room, before?,
   * limit} -> {room, items, nextBefore}, newest first.
   */
  public static final String STORE_ROOM_PREFIX = "herald.store.room.";

  /** Node-local: store and deliver a direct message (routing.DirectMessages). Body {senderId, sessionId, receiverId, content, clientMessageId?}. */
  public static final String ROUTE_DIRECT_MESSAGE = "herald.route.direct-message";

  /** Node-local: route a pre-encoded frame to a room cluster-wide. Body {room, frame}; no reply. */
  public static final String ROUTE_FRAME = "herald.route.frame";

  /** Node-local: admit a connection (cluster-wide per-user limit). Body {userId, sessionId}; fails 429. */
  public static final String PRESENCE_CONNECT = "herald.presence.connect";
  /** Node-local: a connection closed. Body {userId, sessionId}. */
  public static final String PRESENCE_DISCONNECT = "herald.presence.disconnect";
  /** Node-local: announced status of users. Body {userIds}; reply {status: {id: bool}}. */
  public static final String PRESENCE_STATUS = "herald.presence.status";
  /** Node-local: every user announced online. Reply {users}. */
  public static final String PRESENCE_ONLINE = "herald.presence.online";
  /** Node-local: how many users are online in the cluster. Reply {count}. */
  public static final String PRESENCE_ONLINE_COUNT = "herald.presence.online-count";

  /*
   * Node-local push API (PushVerticle, docs/push.md). Failures carry 400 (bad request) or 503
   * (the database is unavailable).
   */
  /**
   * A stored notification's delivery decision, sent by routing; no reply. Body {notification:
   * the stored JSON, delivered: whether a node held a connection of the user, priority}.
   */
  public static final String PUSH_NOTIFY = "herald.push.notify";
  /**
   * Register a device. Body {userId, channel: fcm|webpush, address: token or endpoint, platform?,
   * p256dh?, auth?}; reply {id}. The address moves to this user if another one had it.
   */
  public static final String PUSH_REGISTER = "herald.push.register";
  /**
   * Remove a user's devices. Body {userId, channel, address?} (no address: every device of that
   * channel); reply {removed}. Never touches another user's rows.
   */
  public static final String PUSH_UNREGISTER = "herald.push.unregister";
  /** This node's push counters. Body {}; reply {channels: {fcm, webpush}, counters: {...}}. */
  public static final String PUSH_STATS = "herald.push.stats";

  /** Prefix of the one consumer each node registers for deliveries and queries addressed to it. */
  public static final String NODE_PREFIX = "herald.node.";
  /** Published to every node: a frame for all local sockets (broadcast). */
  public static final String NODES_BROADCAST = "herald.nodes.broadcast";

  /** The address of one node's delivery consumer. */
  public static String node(String nodeId) {
    return NODE_PREFIX + nodeId;
  }
}

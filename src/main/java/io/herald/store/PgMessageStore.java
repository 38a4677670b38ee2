package io.herald.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Direct messages on PostgreSQL (V5__direct_messages.sql): sending (with the duplicate window and
 * the block list), history, the conversation list, read marks and blocks.
 *
 * <p>A send is one transaction. It takes both users' advisory locks (the ones every notification
 * insert takes, in the same hash order as a batch), so it is serialised with the sender's other
 * sends (the duplicate check cannot race) and each user's notification ids stay in commit order.
 * Then one statement inserts the message, moves both conversation rows and writes the two delivery
 * rows (event {@code message:new}, already read) into the receiver's and the sender's notification
 * streams: what a reconnect replays.
 *
 * <p>Failures as {@link NotificationStore}'s, plus {@link RefusedException} when either user
 * blocked the other.
 */
public final class PgMessageStore {
  /** Largest page of {@link #history} and {@link #conversations}. */
  public static final int MAX_PAGE = 100;
  public static final String MESSAGE_EVENT = "message:new";

  private static final String MESSAGE_COLUMNS =
      "id, conversation_id, sender_id, receiver_id, content, client_message_id, created_at";

  private static final String BLOCKED = """
      SELECT EXISTS (SELECT 1 FROM user_blocks
                     WHERE (user_id = $1 AND blocked_id = $2) OR (user_id = $2 AND blocked_id = $1))""";

  /** The sender's newest message with that client id within the window ($3 seconds). */
  private static final String DUPLICATE = "SELECT " + MESSAGE_COLUMNS + """
       FROM messages
      WHERE sender_id = $1 AND client_message_id = $2 AND created_at > clock_timestamp() - make_interval(secs => $3)
      ORDER BY id DESC LIMIT 1""";

  /**
   * $1 sender, $2 receiver, $3 conversation, $4 content, $5 client id: the message, both
   * conversation rows, and the two delivery rows (receiver's first), which come back.
   */
  private static final String SEND = """
      WITH m AS (
        INSERT INTO messages (conversation_id, sender_id, receiver_id, content, client_message_id, created_at)
        VALUES ($3, $1, $2, $4, $5, clock_timestamp())
        RETURNING *
      ), c AS (
        INSERT INTO conversations (user_id, conversation_id, peer_id, last_message_id)
        SELECT $1, m.conversation_id, $2, m.id FROM m
        UNION ALL
        SELECT $2, m.conversation_id, $1, m.id FROM m
        ON CONFLICT (user_id, conversation_id) DO UPDATE SET last_message_id = EXCLUDED.last_message_id
      )
      INSERT INTO notifications (user_id, event, type, data, created_at, read)
      SELECT u.user_id, 'message:new', 'message', jsonb_strip_nulls(jsonb_build_object(
               'id', m.id, 'senderId', m.sender_id, 'receiverId', m.receiver_id, 'content', m.content,
               'conversationId', m.conversation_id, 'clientMessageId', m.client_message_id,
               'timestamp', floor(extract(epoch FROM m.created_at) * 1000)::bigint)),
             clock_timestamp(), true
      FROM m, (VALUES ($2::text, 1), ($1::text, 2)) AS u(user_id, ord)
      ORDER BY u.ord
      RETURNING\s""" + SqlQueries.COLUMNS;

  /**
   * $1 conversation, $2 exclusive upper id bound, $3 limit + 1, $4 and $5 the two users. The users
   * are matched too: ids may contain ':', so two pairs can share a conversation id
   * ({@code a:b} with {@code c}, {@code a} with {@code b:c}).
   */
  private static final String HISTORY = "SELECT " + MESSAGE_COLUMNS + """
       FROM messages WHERE conversation_id = $1 AND id < $2
        AND ((sender_id = $4 AND receiver_id = $5) OR (sender_id = $5 AND receiver_id = $4))
      ORDER BY id DESC LIMIT $3""";

  /** $1 user, $2 exclusive upper bound on the last message id, $3 limit + 1. */
  private static final String CONVERSATIONS = """
      SELECT c.conversation_id, c.peer_id, c.last_read_id, p.last_read_id AS peer_read_id,
             m.id, m.sender_id, m.receiver_id, m.content, m.client_message_id, m.created_at,
             (SELECT count(*) FROM messages u
               WHERE u.receiver_id = $1 AND u.conversation_id = c.conversation_id AND u.id > c.last_read_id) AS unread
        FROM conversations c
        JOIN messages m ON m.id = c.last_message_id
        LEFT JOIN conversations p ON p.user_id = c.peer_id AND p.conversation_id = c.conversation_id
       WHERE c.user_id = $1 AND c.last_message_id < $2
       ORDER BY c.last_message_id DESC LIMIT $3""";

  /** Marks up to the message $2, which $1 must have received. */
  private static final String MARK_MESSAGE = """
      UPDATE conversations c SET last_read_id = GREATEST(c.last_read_id, m.id)
        FROM messages m
       WHERE m.id = $2 AND m.receiver_id = $1 AND c.user_id = $1 AND c.conversation_id = m.conversation_id
      RETURNING c.conversation_id, c.peer_id, c.last_read_id,
        (SELECT count(*) FROM messages u
          WHERE u.receiver_id = $1 AND u.conversation_id = c.conversation_id AND u.id > c.last_read_id) AS unread""";

  /** Marks conversation $2 up to $3 (or all of it when $3 is null) for $1. */
  private static final String MARK_CONVERSATION = """
      UPDATE conversations c SET last_read_id = GREATEST(c.last_read_id, LEAST(COALESCE($3, c.last_message_id), c.last_message_id))
       WHERE c.user_id = $1 AND c.conversation_id = $2
      RETURNING c.conversation_id, c.peer_id, c.last_read_id,
        (SELECT count(*) FROM messages u
          WHERE u.receiver_id = $1 AND u.conversation_id = c.conversation_id AND u.id > c.last_read_id) AS unread""";

  private static final String BLOCK =
      "INSERT INTO user_blocks (user_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
  private static final String UNBLOCK = "DELETE FROM user_blocks WHERE user_id = $1 AND blocked_id = $2";

  /** A send's outcome: the message, whether it repeats an earlier one, and its two delivery rows (none for a repeat). */
  public record Sent(DirectMessage message, boolean duplicate, StoredNotification receiverCopy, StoredNotification senderCopy) {}

  /** A read mark: the reader's conversation, up to which message it is read, the other user, and what is left unread. */
  public record ReadMark(String conversationId, long upTo, String peerId, long unread) {}

  private final SqlClient client;
  private final Pool pool;
  private final long timeoutMs;

  public PgMessageStore(SqlClient client, Pool pool, long timeoutMs) {
    this.client = client;
    this.pool = pool;
    this.timeoutMs = timeoutMs;
  }

  public PgMessageStore(Database db, long timeoutMs) {
    this(db.client(), db.pool(), timeoutMs);
  }

  /**
   * Stores a message from {@code sender} to {@code receiver}; a {@code clientMessageId} the sender
   * used within {@code dedupWindowMs} gives back that first message instead ({@code duplicate}).
   */
  public Future<Sent> send(String sender, String receiver, String content, String clientMessageId, long dedupWindowMs) {
    return guarded(() -> {
      PgText.check("content", content);
      PgText.check("clientMessageId", clientMessageId);
      String conversation = DirectMessage.conversationOf(sender, receiver);
      return pool.withTransaction(conn -> conn.preparedQuery(SqlQueries.LOCK_USERS)
          .execute(Tuple.tuple().addArrayOfString(new String[] {sender, receiver}))
          .compose(locked -> conn.preparedQuery(BLOCKED).execute(Tuple.of(sender, receiver)))
          .compose(blocked -> {
            if (blocked.iterator().next().getBoolean(0)) {
              return Future.failedFuture(new RefusedException("one of the two users blocked the other"));
            }
            return clientMessageId == null ? Future.succeededFuture((DirectMessage) null)
                : conn.preparedQuery(DUPLICATE).execute(Tuple.of(sender, clientMessageId, dedupWindowMs / 1000.0))
                    .map(rows -> rows.size() == 0 ? null : toMessage(rows.iterator().next()));
          })
          .compose(first -> first != null
              ? Future.succeededFuture(new Sent(first, true, null, null))
              : conn.preparedQuery(SEND).execute(Tuple.of(sender, receiver, conversation, content, clientMessageId))
                  .map(PgMessageStore::sent)));
    });
  }

  private static Sent sent(RowSet<Row> rows) {
    List<StoredNotification> copies = new ArrayList<>(2);
    rows.forEach(row -> copies.add(PgNotificationStore.toNotification(row)));
    DirectMessage message = DirectMessage.fromJson((JsonObject) copies.get(0).data());
    boolean receiverFirst = copies.get(0).userId().equals(message.receiverId());
    return new Sent(message, false, copies.get(receiverFirst ? 0 : 1), copies.get(receiverFirst ? 1 : 0));
  }

  /** One page of the conversation of {@code user} and {@code with}, newest first: {"items","nextBefore"}. */
  public Future<JsonObject> history(String user, String with, Long before, int limit) {
    return guarded(() -> {
      int size = pageSize(limit);
      long bound = before == null ? Long.MAX_VALUE : before;
      return client.preparedQuery(HISTORY).execute(Tuple.of(DirectMessage.conversationOf(user, with), bound, size + 1, user, with))
          .map(rows -> {
            JsonArray items = new JsonArray();
            Long last = null;
            for (Row row : rows) {
              if (items.size() == size) {
                return new JsonObject().put("items", items).put("nextBefore", last);
              }
              DirectMessage m = toMessage(row);
              items.add(m.toJson());
              last = m.id();
            }
            return new JsonObject().put("items", items).put("nextBefore", null);
          });
    });
  }

  /**
   * The user's conversations, the most recently active first: {"items": [{conversationId, userId
   * (the other user), lastMessage, unread, readUpTo, peerReadUpTo}], "nextBefore"}.
   */
  public Future<JsonObject> conversations(String user, Long before, int limit) {
    return guarded(() -> {
      int size = pageSize(limit);
      long bound = before == null ? Long.MAX_VALUE : before;
      return client.preparedQuery(CONVERSATIONS).execute(Tuple.of(user, bound, size + 1)).map(rows -> {
        JsonArray items = new JsonArray();
        Long last = null;
        for (Row row : rows) {
          if (items.size() == size) {
            return new JsonObject().put("items", items).put("nextBefore", last);
          }
          DirectMessage m = new DirectMessage(row.getLong("id"), row.getString("conversation_id"), row.getString("sender_id"),
              row.getString("receiver_id"), row.getString("content"), row.getString("client_message_id"),
              millis(row.getOffsetDateTime("created_at")));
          Long peerRead = row.getLong("peer_read_id");
          items.add(new JsonObject()
              .put("conversationId", m.conversationId())
              .put("userId", row.getString("peer_id"))
              .put("lastMessage", m.toJson())
              .put("unread", row.getLong("unread"))
              .put("readUpTo", row.getLong("last_read_id"))
              .put("peerReadUpTo", peerRead == null ? 0L : peerRead));
          last = m.id();
        }
        return new JsonObject().put("items", items).put("nextBefore", null);
      });
    });
  }

  /** Marks {@code user}'s conversation read up to {@code messageId}, a message they received; null when there is no such message. */
  public Future<ReadMark> markRead(String user, long messageId) {
    return guarded(() -> client.preparedQuery(MARK_MESSAGE).execute(Tuple.of(user, messageId)).map(PgMessageStore::readMark));
  }

  /** Marks {@code conversationId} read up to {@code upTo} (its newest message when null); null when it is not the user's. */
  public Future<ReadMark> markConversationRead(String user, String conversationId, Long upTo) {
    return guarded(() -> client.preparedQuery(MARK_CONVERSATION).execute(Tuple.of(user, conversationId, upTo))
        .map(PgMessageStore::readMark));
  }

  private static ReadMark readMark(RowSet<Row> rows) {
    if (rows.size() == 0) {
      return null;
    }
    Row row = rows.iterator().next();
    return new ReadMark(row.getString("conversation_id"), row.getLong("last_read_id"), row.getString("peer_id"),
        row.getLong("unread"));
  }

  /** {@code user} blocks {@code other}: no direct messages or typing either way. True when it is new. */
  public Future<Boolean> block(String user, String other) {
    return guarded(() -> client.preparedQuery(BLOCK).execute(Tuple.of(user, other)).map(rows -> rows.rowCount() > 0));
  }

  /** Lifts {@code user}'s block of {@code other}; true when there was one. */
  public Future<Boolean> unblock(String user, String other) {
    return guarded(() -> client.preparedQuery(UNBLOCK).execute(Tuple.of(user, other)).map(rows -> rows.rowCount() > 0));
  }

  /** Whether either user blocked the other. */
  public Future<Boolean> blocked(String a, String b) {
    return guarded(() -> client.preparedQuery(BLOCKED).execute(Tuple.of(a, b)).map(rows -> rows.iterator().next().getBoolean(0)));
  }

  private <T> Future<T> guarded(java.util.function.Supplier<Future<T>> body) {
    return PgNotificationStore.guarded(body, timeoutMs);
  }

  private static int pageSize(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1");
    }
    return Math.min(limit, MAX_PAGE);
  }

  private static DirectMessage toMessage(Row row) {
    return new DirectMessage(row.getLong("id"), row.getString("conversation_id"), row.getString("sender_id"),
        row.getString("receiver_id"), row.getString("content"), row.getString("client_message_id"),
        millis(row.getOffsetDateTime("created_at")));
  }

  private static long millis(OffsetDateTime t) {
    return t.toInstant().toEpochMilli();
  }
}

package io.herald.routing;

import io.herald.cluster.Addresses;
import io.herald.protocol.ServerFrame;
import io.herald.room.RoomDirectory;
import io.herald.room.RoomPolicy;
import io.herald.store.DirectMessage;
import io.herald.store.MessageClient;
import io.herald.store.PgMessageStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores, then delivers, a direct message (docs/messaging.md). The answer comes once both copies
 * are handed to the nodes, so a session that waits for it before its next send keeps its messages
 * in order. The store writes the message and its
 * two delivery rows in one transaction; after the commit the receiver's row goes to every session
 * of the receiver and the sender's row to the sender's other sessions (the sending session gets
 * {@code message:sent} instead), wherever they are. As for notifications, the directory is read
 * after the commit, so a session that the look-up misses replays the row when it connects. A
 * receiver with no session anywhere gets a push, collapsed per conversation.
 *
 * <p>One per node, used through {@link Addresses#ROUTE_DIRECT_MESSAGE} by the node's sessions.
 */
public final class DirectMessages {
  private static final Logger log = LoggerFactory.getLogger(DirectMessages.class);
  /** Longest message text a push shows. */
  static final int PUSH_PREVIEW_CHARS = 200;

  private final Vertx vertx;
  private final RoomDirectory directory;
  private final MessageClient store;
  private final long dedupWindowMs;
  /** Messages this node stored (repeats not counted), for the dashboard's stats_update. */
  private final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();

  public DirectMessages(Vertx vertx, RoomDirectory directory, long dedupWindowMs) {
    this.vertx = vertx;
    this.directory = directory;
    this.store = new MessageClient(vertx);
    this.dedupWindowMs = dedupWindowMs;
  }

  /**
   * Sends {@code content} from {@code sender} (its session {@code sessionId}) to {@code receiver};
   * completes with the {@code message:sent} data once committed (a repeat of a client id within
   * the window gets the first one's). Fails with a ProtocolException (FORBIDDEN for a block,
   * STORE_UNAVAILABLE, ...); nothing is delivered then.
   */
  public Future<JsonObject> send(String sender, String sessionId, String receiver, String content, String clientMessageId) {
    return store.send(sender, receiver, content, clientMessageId, dedupWindowMs).compose(sent -> {
      if (sent.duplicate()) {
        return Future.succeededFuture(sent.message().sentReceipt());
      }
      this.sent.incrementAndGet();
      return deliver(sent, sessionId).map(v -> sent.message().sentReceipt());
    });
  }

  /** Messages stored through this node since it started. */
  public long sent() {
    return sent.get();
  }

  /** Routes both copies; completes (never failing: the message is committed) once they are handed to the nodes. */
  private Future<Void> deliver(PgMessageStore.Sent sent, String sessionId) {
    DirectMessage m = sent.message();
    String receiverRoom = RoomPolicy.userRoom(m.receiverId());
    String senderRoom = RoomPolicy.userRoom(m.senderId());
    ServerFrame toReceiver = sent.receiverCopy().toFrame();
    ServerFrame toSender = sent.senderCopy().toFrame().except(sessionId, null);
    return directory.nodes(List.of(receiverRoom, senderRoom))
        .onSuccess(byRoom -> {
          route(byRoom, receiverRoom, toReceiver);
          route(byRoom, senderRoom, toSender);
          push(sent, !byRoom.getOrDefault(receiverRoom, Set.of()).isEmpty());
        })
        .onFailure(err -> {
          log.warn("stored message {} but could not route it: {}", m.id(), err.toString());
          push(sent, false);
        })
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  private void route(Map<String, Set<String>> byRoom, String room, ServerFrame frame) {
    NodeMessage message = NodeMessage.toRooms(List.of(room), List.of(frame), null);
    byRoom.getOrDefault(room, Set.of()).forEach(node -> RoutingVerticle.deliverTo(vertx, node, message));
  }

  /** Tells the push verticle; it pushes only when the receiver had no session ({@code delivered} false). */
  private void push(PgMessageStore.Sent sent, boolean delivered) {
    DirectMessage m = sent.message();
    String preview = m.content().length() > PUSH_PREVIEW_CHARS ? m.content().substring(0, PUSH_PREVIEW_CHARS) + "…" : m.content();
    JsonObject notification = sent.receiverCopy().toJson()
        .put("title", "New message from " + m.senderId())
        .put("message", preview)
        .put("data", new JsonObject().put("messageId", m.id()).put("conversationId", m.conversationId())
            .put("senderId", m.senderId()))
        .put("collapseKey", m.conversationId());
    vertx.eventBus().send(Addresses.PUSH_NOTIFY, new JsonObject()
        .put("notification", notification).put("delivered", delivered).put("pushable", true), Addresses.LOCAL);
  }
}

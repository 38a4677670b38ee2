package io.herald.routing;

import io.herald.protocol.ErrorCode;
import io.herald.protocol.ProtocolException;

import io.herald.cluster.Addresses;
import io.herald.protocol.ServerFrame;
import io.herald.room.RoomDirectory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * How node-local components reach routing: a frame for a room wherever its members are (presence's
 * announcements), who is in a room cluster-wide, and each node's local counts. Typed calls over
 * the event bus, as {@link io.herald.store.StoreClient} is for the store.
 */
public final class RoutingClient {
  private static final long NODE_QUERY_TIMEOUT_MS = 2000;
  /** Local, and long enough for the store's own bound (pg.timeout-ms) to answer first. */
  private static final DeliveryOptions ROUTED = new DeliveryOptions().setLocalOnly(true).setSendTimeout(10_000);
  private static final DeliveryOptions DIRECT_MESSAGE = new DeliveryOptions().setLocalOnly(true).setSendTimeout(30_000);

  private final Vertx vertx;
  private final RoomDirectory directory;

  public RoutingClient(Vertx vertx, RoomDirectory directory) {
    this.vertx = vertx;
    this.directory = directory;
  }

  /** Delivers {@code frame} to the members of {@code room} on every node (fire and forget). */
  public void toRoom(String room, ServerFrame frame) {
    vertx.eventBus().send(Addresses.ROUTE_FRAME, NodeMessage.toRooms(List.of(room), List.of(frame), null), Addresses.LOCAL);
  }

  /**
   * As {@link #toRoom}, completing once the frame is handed to the nodes that hold the room (never
   * failing): a caller that waits for it before routing its next frame keeps its frames in order.
   */
  public Future<Void> toRoomInOrder(String room, ServerFrame frame) {
    return vertx.eventBus().request(Addresses.ROUTE_FRAME, NodeMessage.toRooms(List.of(room), List.of(frame), null), ROUTED)
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  /**
   * Stores and delivers a direct message (routing's {@link DirectMessages}); completes with the
   * {@code message:sent} data. Fails with a ProtocolException carrying the client's error code.
   */
  public Future<JsonObject> directMessage(String sender, String sessionId, String receiver, String content,
      String clientMessageId) {
    JsonObject body = new JsonObject().put("senderId", sender).put("sessionId", sessionId).put("receiverId", receiver)
        .put("content", content).put("clientMessageId", clientMessageId);
    return vertx.eventBus().<JsonObject>request(Addresses.ROUTE_DIRECT_MESSAGE, body, DIRECT_MESSAGE)
        .map(Message::body)
        .recover(err -> Future.failedFuture(failure(err)));
  }

  /** A failure's "CODE: message" back into the ProtocolException it was. */
  private static ProtocolException failure(Throwable err) {
    String text = err.getMessage() == null ? "" : err.getMessage();
    int colon = text.indexOf(": ");
    if (err instanceof io.vertx.core.eventbus.ReplyException && colon > 0) {
      try {
        return new ProtocolException(ErrorCode.valueOf(text.substring(0, colon)), text.substring(colon + 2));
      } catch (IllegalArgumentException notACode) {
        // fall through
      }
    }
    return new ProtocolException(ErrorCode.INTERNAL, "message could not be sent");
  }

  /** The users with a connection in {@code room}, cluster-wide, sorted (asks each node that holds it). */
  public Future<List<String>> roomMembers(String room) {
    DeliveryOptions opts = new DeliveryOptions().addHeader(RoutingVerticle.ACTION, RoutingVerticle.ROOM_MEMBERS)
        .setSendTimeout(NODE_QUERY_TIMEOUT_MS);
    return directory.nodes(room).compose(nodes -> {
      List<Future<JsonObject>> asks = new ArrayList<>();
      for (String n : nodes) {
        asks.add(vertx.eventBus().<JsonObject>request(Addresses.node(n), new JsonObject().put("room", room), opts)
            .map(Message::body));
      }
      return Future.all(asks).map(all -> {
        Set<String> users = new TreeSet<>();
        for (int i = 0; i < asks.size(); i++) {
          all.<JsonObject>resultAt(i).getJsonArray("users").forEach(u -> users.add((String) u));
        }
        return new ArrayList<>(users);
      });
    });
  }

  /** Each node's local counts; nodes that do not answer in time are left out. */
  public Future<List<JsonObject>> nodeStats(Collection<String> nodeIds) {
    DeliveryOptions opts = new DeliveryOptions().addHeader(RoutingVerticle.ACTION, RoutingVerticle.STATS)
        .setSendTimeout(NODE_QUERY_TIMEOUT_MS);
    List<Future<JsonObject>> asks = new ArrayList<>();
    for (String n : nodeIds) {
      asks.add(vertx.eventBus().<JsonObject>request(Addresses.node(n), new JsonObject(), opts)
          .map(Message::body)
          .otherwise((JsonObject) null));
    }
    return Future.all(asks).map(all -> {
      List<JsonObject> out = new ArrayList<>();
      for (int i = 0; i < asks.size(); i++) {
        if (all.resultAt(i) != null) {
          out.add(all.resultAt(i));
        }
      }
      return out;
    });
  }
}

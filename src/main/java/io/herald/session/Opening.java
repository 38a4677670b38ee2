package io.herald.session;

import io.herald.auth.Principal;
import io.herald.protocol.ClientRequest;
import io.herald.protocol.CloseCodes;
import io.herald.protocol.ErrorCode;
import io.herald.protocol.ProtocolException;
import io.herald.protocol.ServerFrame;
import io.herald.room.RoomPolicy;
import io.vertx.core.json.JsonObject;

/**
 * A session's way from AUTHENTICATING to OPEN: the token from the upgrade or the first {@code auth}
 * frame (within {@code ws.auth-timeout-ms}), its verification, the {@code jwt.require-exp} rule,
 * presence admission, the personal room, then {@code connected} and the catch-up. While the token
 * is verified the session keeps what the client sends ({@link #pending()}). Used on the session's
 * context only.
 */
final class Opening {
  private final Session session;
  private final SessionHub hub;
  private long authTimer = -1;
  private boolean pending;
  /** Where a reconnecting client resumes (the upgrade's or the auth frame's cursor). */
  private CatchUp.Cursor cursor = CatchUp.Cursor.NONE;

  Opening(Session session, SessionHub hub) {
    this.session = session;
    this.hub = hub;
  }

  /** Whether a token is being verified (or the session is being admitted): requests wait. */
  boolean pending() {
    return pending;
  }

  void start(String upgradeToken, String lastNotificationId) {
    cursor = CatchUp.Cursor.parse(lastNotificationId);
    if (upgradeToken != null) {
      authenticate(upgradeToken, null);
    } else {
      authTimer = hub.vertx.setTimer(hub.config.authTimeoutMs, t -> {
        authTimer = -1;
        session.refuse("no auth frame within " + hub.config.authTimeoutMs + " ms");
      });
    }
  }

  /** The session closed: the auth timer goes. */
  void stop() {
    if (authTimer >= 0) {
      hub.vertx.cancelTimer(authTimer);
      authTimer = -1;
    }
  }

  /** The first request of a session without an upgrade token: it must be {@code auth}. */
  void onAuthFrame(ClientRequest frame) {
    if (!frame.event().equals("auth")) {
      session.refuse("first frame must be an auth frame");
      return;
    }
    String token = frame.data().getValue("token") instanceof String s ? s : null;
    if (token == null || token.isBlank()) {
      session.refuse("auth frame has no token");
      return;
    }
    Object last = frame.data().getValue("lastNotificationId");
    if (last != null) {
      cursor = CatchUp.Cursor.parse(last.toString());
    }
    authenticate(token, frame.id());
  }

  private void authenticate(String token, Object requestId) {
    pending = true;
    session.verify(token).onComplete(ar -> {
      if (session.state() != Session.State.AUTHENTICATING) {
        return;
      }
      if (ar.failed()) {
        pending = false;
        session.refuse(ar.cause().getMessage());
        return;
      }
      admit(ar.result(), requestId);
    });
  }

  private void admit(Principal p, Object requestId) {
    if (hub.config.jwtRequireExp && p.expiresAt() <= 0) {
      // A service-role token without exp is accepted on the REST API, but never holds a connection.
      pending = false;
      session.refuse("token has no 'exp' claim (jwt.require-exp)");
      return;
    }
    stop();
    String sessionId = session.id();
    hub.services.admit(p.userId(), sessionId).onComplete(admitted -> {
      if (session.state() != Session.State.AUTHENTICATING) {
        if (admitted.succeeded()) {
          hub.services.release(p.userId(), sessionId); // closed meanwhile
        }
        return;
      }
      if (admitted.failed()) {
        session.notAdmitted((ProtocolException) admitted.cause(), requestId);
        return;
      }
      if (hub.state.draining()) {
        // it authenticated while the node drains: it goes elsewhere, like a new connection would
        hub.services.release(p.userId(), sessionId);
        session.notAdmitted(new ProtocolException(ErrorCode.UNAVAILABLE, "this node is shutting down; reconnect"), requestId);
        return;
      }
      session.opened(p);
      joinPersonalRoom(p, requestId);
    });
  }

  private void joinPersonalRoom(Principal p, Object requestId) {
    session.join(RoomPolicy.userRoom(p.userId())).onComplete(ar -> {
      if (session.state() != Session.State.OPEN) {
        return;
      }
      if (ar.failed()) {
        session.send(ServerFrame.error(ErrorCode.INTERNAL, "could not register the connection; retry", requestId));
        session.close(CloseCodes.SERVICE_RESTART, "internal error");
        return;
      }
      session.send(ServerFrame.reply("connected", new JsonObject()
          .put("userId", p.userId())
          .put("sessionId", session.id())
          .put("timestamp", hub.services.millis()), requestId));
      pending = false;
      CatchUp.Cursor from = cursor;
      cursor = null;
      session.catchUp(from);
    });
  }
}

package io.herald.push;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * One push channel (FCM, Web Push): makes a single delivery attempt of one notification to one
 * device. It neither retries nor touches the registrations: it classifies the push service's answer
 * as a {@link PushOutcome} and {@link PushVerticle} decides what follows (retry, prune, log).
 *
 * <p>Implementations are used from the push verticle's context only, never block, and bound every
 * call by {@code push.request-timeout-ms}. The returned future never fails: a connection error or a
 * timeout is a {@link PushOutcome.Kind#RETRY RETRY} outcome.
 */
public interface PushProvider {
  /** The channel name stored with each device: {@code fcm} or {@code webpush}. */
  String channel();

  /**
   * One attempt. {@code notification} is the stored notification's JSON ({@code id, type, title,
   * message, data, ...}); {@code highPriority} asks the service to wake the device now.
   */
  Future<PushOutcome> send(Device device, JsonObject notification, boolean highPriority);

  /** One phrase for the start-up line, such as {@code "FCM on (project demo)"}. */
  String describe();
}

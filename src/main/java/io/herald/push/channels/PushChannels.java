package io.herald.push.channels;

import io.herald.config.HeraldConfig;
import io.herald.push.Device;
import io.herald.push.PushProvider;
import io.herald.push.PushVerticle;
import io.herald.push.fcm.FcmProvider;
import io.herald.push.webpush.VapidKeys;
import io.herald.push.webpush.WebPushProvider;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The push channels this node's configuration turns on (Web Push with VAPID keys, FCM with a
 * service account), made for the {@link PushVerticle}; a channel without credentials is off.
 */
public final class PushChannels implements PushVerticle.Channels {
  private final HeraldConfig config;

  public PushChannels(HeraldConfig config) {
    this.config = config;
  }

  @Override
  public Future<Map<String, PushProvider>> create(Vertx vertx, WebClient client) {
    Map<String, PushProvider> providers = new LinkedHashMap<>();
    if (!config.vapidPublicKey.isEmpty()) {
      try {
        VapidKeys keys = VapidKeys.parse(config.vapidPublicKey, config.vapidPrivateKey);
        providers.put(Device.WEBPUSH, new WebPushProvider(vertx, client, keys, config));
      } catch (Exception e) {
        return Future.failedFuture(new IllegalStateException("vapid keys (HERALD_VAPID_PUBLIC_KEY, "
            + "HERALD_VAPID_PRIVATE_KEY) unusable: " + e.getMessage()));
      }
    }
    if (config.fcmCredentials.isEmpty()) {
      return Future.succeededFuture(providers);
    }
    return FcmProvider.create(vertx, client, config).map(fcm -> {
      providers.put(Device.FCM, fcm);
      return providers;
    });
  }
}

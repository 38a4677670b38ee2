package io.herald.push;

/**
 * A registered device of one user.
 *
 * @param channel {@code fcm} or {@code webpush}
 * @param address the FCM registration token, or the Web Push subscription endpoint
 * @param platform FCM: what the client said it is; null for Web Push
 * @param p256dh Web Push: the subscription's public key (base64url); null for FCM
 * @param auth Web Push: the subscription's auth secret (base64url); null for FCM
 */
public record Device(long id, String userId, String channel, String address, String platform, String p256dh,
                     String auth) {
  public static final String FCM = "fcm";
  public static final String WEBPUSH = "webpush";
}

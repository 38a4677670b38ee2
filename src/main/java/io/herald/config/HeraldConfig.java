package io.herald.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The node's typed, validated configuration. Every value is read and checked once, in the
 * constructor; a bad value throws {@link ConfigException} naming the key and its environment
 * variable, so start-up fails before anything is bound.
 */
public final class HeraldConfig {
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.@-]{1,64}");
  private static final Pattern PG_URL = Pattern.compile("postgres(ql)?://[^/?#\\s]+(/[^?#\\s]*)?(\\?\\S*)?");
  private static final Pattern URL_PASSWORD = Pattern.compile("(://[^:/@]*:)[^@]*@");
  /** A Web Push origin pattern: [scheme://]host[:port] (https when no scheme), '*.' allowed as the first label. */
  private static final Pattern PUSH_ORIGIN = Pattern.compile("(https?://)?(\\*\\.)?[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?");

  private final Map<String, Object> raw;
  private final List<String> errors = new ArrayList<>();

  public final boolean devMode;
  public final String dataDir;
  public final int eventLoops;
  public final int shutdownGraceMs;
  public final int reconcileIntervalMs;

  public final String httpHost;
  public final int httpPort;
  public final int maxBodyBytes;
  /** TCP_USER_TIMEOUT of accepted sockets: unacknowledged data for this long drops a connection (0 = kernel default). */
  public final int tcpUserTimeoutMs;

  public final String clusterName;
  public final String clusterHost;
  public final int clusterPort;
  public final List<String> clusterMembers;
  public final String clusterKubernetesServiceDns;

  public final String jwtSecret;
  public final String jwtPublicKey;
  public final String jwtPublicKeyAlgorithm;
  public final String jwksUrl;
  public final int jwksRefreshMs;
  /** Bound on one JWKS fetch (connect and response). */
  public final int jwksTimeoutMs;
  /** An unknown {@code kid} triggers a JWKS refetch at most this often. */
  public final int jwksMinRefetchMs;
  /** Refuse tokens without {@code exp} (service-role tokens on the REST API excepted). */
  public final boolean jwtRequireExp;
  public final String userClaim;
  public final String rolesClaim;
  public final String roomsClaim;
  public final List<String> serviceRoles;
  public final String jwtIssuer;
  public final String jwtAudience;
  public final int jwtLeewaySeconds;

  public final String wsPath;
  public final int maxFrameBytes;
  public final int authTimeoutMs;
  public final int maxOutboundQueueBytes;
  public final int rateLimitPerMinute;
  public final int pingIntervalMs;
  public final int idleTimeoutMs;

  public final int sseHeartbeatMs;
  public final int sseRetryMs;
  /** The event-bus bridge endpoint (docs/transport-eventbus-bridge.md). */
  public final boolean bridgeEnabled;
  public final String bridgePath;
  public final int bridgePingTimeoutMs;
  public final int sockjsHeartbeatMs;
  public final int sockjsSessionTimeoutMs;
  public final int sockjsMaxBytesStreaming;

  public final int replayUnreadLimit;
  /** One stored send-many: at most this many rows, and this many bytes (payload x users). */
  public final int maxBatchRows;
  public final int maxBatchBytes;
  public final int maxRoomsPerConnection;
  public final int maxConnectionsPerUser;
  public final int maxConnectionsPerNode;
  public final int presenceGraceMs;
  public final List<String> presenceRoomPrefixes;
  public final String presenceSubscribePolicy;
  public final String presenceClaim;
  public final int maxStatusSubscriptions;
  /** Under subscribe-policy any: user ids one connection may ask the status of per minute. */
  public final int presenceStatusLookupsPerMinute;
  public final String socketIoPath;
  public final List<String> socketIoNamespaces;
  public final int socketIoPingIntervalMs;
  public final int socketIoPingTimeoutMs;
  public final int socketIoMaxPayloadBytes;
  public final List<String> socketIoCorsOrigins;
  public final List<String> openPrefixes;

  /** Empty: run an embedded PostgreSQL. */
  public final String pgUrl;
  public final int pgPoolSize;
  public final int pgTimeoutMs;
  public final String pgEmbeddedDataDir;
  /** 0: the embedded server picks a free port. */
  public final int pgEmbeddedPort;
  /** The embedded server flushes commits to disk (off only for throwaway test databases). */
  public final boolean pgEmbeddedFsync;

  public final int retentionMaxAgeDays;
  public final int retentionMaxPerUser;
  public final int retentionIntervalMs;

  /** Push (docs/push.md). Empty: FCM off. */
  public final String fcmCredentials;
  public final String fcmEndpoint;
  /** Both empty: Web Push off. base64url, 65-byte uncompressed P-256 point / 32-byte scalar. */
  public final String vapidPublicKey;
  public final String vapidPrivateKey;
  public final String vapidSubject;
  public final List<String> webPushAllowedOrigins;
  public final int webPushTtlSeconds;
  public final int pushMaxDevicesPerUser;
  public final int pushMaxAttempts;
  public final int pushRetryBaseMs;
  public final int pushRetryWindowMs;
  public final int pushRequestTimeoutMs;
  public final int pushMaxPendingRetries;
  public final int pushMaxConnectionsPerHost;

  HeraldConfig(Map<String, Object> raw) {
    this.raw = Map.copyOf(raw);
    devMode = bool("dev-mode");
    dataDir = string("data-dir", false);
    eventLoops = integer("node.event-loops", 0, 1024);
    shutdownGraceMs = integer("node.shutdown-grace-ms", 0, 8000);
    reconcileIntervalMs = integer("node.reconcile-interval-ms", 1000, 3_600_000);

    httpHost = string("http.host", false);
    httpPort = integer("http.port", 0, 65535);
    maxBodyBytes = integer("http.max-body-bytes", 1024, 64 * 1024 * 1024);
    tcpUserTimeoutMs = integer("http.tcp-user-timeout-ms", 0, 3_600_000);

    clusterName = string("cluster.name", false);
    clusterHost = string("cluster.host", false);
    clusterPort = integer("cluster.port", 1, 65535);
    clusterMembers = list("cluster.members", false);
    clusterKubernetesServiceDns = string("cluster.kubernetes-service-dns", true);

    jwtSecret = string("jwt.secret", true);
    jwtPublicKey = string("jwt.public-key", true);
    jwtPublicKeyAlgorithm = oneOf("jwt.public-key-algorithm", List.of("RS256", "ES256"));
    jwksUrl = string("jwt.jwks-url", true);
    jwksRefreshMs = integer("jwt.jwks-refresh-ms", 1000, 86_400_000);
    jwksTimeoutMs = integer("jwt.jwks-timeout-ms", 100, 600_000);
    jwksMinRefetchMs = integer("jwt.jwks-min-refetch-ms", 0, 86_400_000);
    jwtRequireExp = bool("jwt.require-exp");
    userClaim = string("jwt.user-claim", false);
    rolesClaim = string("jwt.roles-claim", false);
    roomsClaim = string("jwt.rooms-claim", false);
    serviceRoles = list("jwt.service-roles", false);
    jwtIssuer = string("jwt.issuer", true);
    jwtAudience = string("jwt.audience", true);
    jwtLeewaySeconds = integer("jwt.leeway-seconds", 0, 3600);

    wsPath = string("ws.path", false);
    maxFrameBytes = integer("ws.max-frame-bytes", 256, 16 * 1024 * 1024);
    authTimeoutMs = integer("ws.auth-timeout-ms", 100, 600_000);
    maxOutboundQueueBytes = integer("ws.max-outbound-queue-bytes", 4096, 256 * 1024 * 1024);
    rateLimitPerMinute = integer("ws.rate-limit-per-minute", 1, 1_000_000);
    pingIntervalMs = integer("ws.ping-interval-ms", 100, 3_600_000);
    idleTimeoutMs = integer("ws.idle-timeout-ms", 200, 7_200_000);

    sseHeartbeatMs = integer("sse.heartbeat-ms", 100, 3_600_000);
    sseRetryMs = integer("sse.retry-ms", 0, 600_000);

    replayUnreadLimit = integer("notifications.replay-unread-limit", 1, 1000);
    maxBatchRows = integer("notifications.max-batch-rows", 1, 1000);
    maxBatchBytes = integer("notifications.max-batch-bytes", 1024, 1024 * 1024 * 1024);
    bridgeEnabled = bool("bridge.enabled");
    bridgePath = string("bridge.path", false);
    bridgePingTimeoutMs = integer("bridge.ping-timeout-ms", 1000, 3_600_000);

    sockjsHeartbeatMs = integer("sockjs.heartbeat-ms", 100, 3_600_000);
    sockjsSessionTimeoutMs = integer("sockjs.session-timeout-ms", 100, 600_000);
    sockjsMaxBytesStreaming = integer("sockjs.max-bytes-streaming", 4096, 64 * 1024 * 1024);

    maxRoomsPerConnection = integer("rooms.max-per-connection", 1, 100_000);
    openPrefixes = list("rooms.open-prefixes", true);
    maxConnectionsPerUser = integer("limits.max-connections-per-user", 1, 100_000);
    maxConnectionsPerNode = integer("limits.max-connections-per-node", 1, 10_000_000);
    presenceGraceMs = integer("presence.grace-ms", 0, 3_600_000);
    presenceRoomPrefixes = list("presence.room-prefixes", true);
    presenceSubscribePolicy = oneOf("presence.subscribe-policy", List.of("any", "claim"));
    presenceClaim = string("presence.claim", false);
    maxStatusSubscriptions = integer("presence.max-subscriptions-per-connection", 1, 100_000);
    presenceStatusLookupsPerMinute = integer("presence.status-lookups-per-minute", 1, 1_000_000);
    socketIoPath = string("socketio.path", false);
    socketIoNamespaces = list("socketio.namespaces", false);
    socketIoPingIntervalMs = integer("socketio.ping-interval-ms", 100, 3_600_000);
    socketIoPingTimeoutMs = integer("socketio.ping-timeout-ms", 100, 3_600_000);
    socketIoMaxPayloadBytes = integer("socketio.max-payload-bytes", 1024, 100_000_000);
    socketIoCorsOrigins = list("socketio.cors-origins", true);

    pgUrl = string("pg.url", true);
    pgPoolSize = integer("pg.pool-size", 1, 256);
    pgTimeoutMs = integer("pg.timeout-ms", 100, 600_000);
    pgEmbeddedDataDir = string("pg.embedded-data-dir", false);
    pgEmbeddedPort = integer("pg.embedded-port", 0, 65535);
    pgEmbeddedFsync = bool("pg.embedded-fsync");

    retentionMaxAgeDays = integer("retention.max-age-days", 1, 36_500);
    retentionMaxPerUser = integer("retention.max-per-user", 1, 10_000_000);
    retentionIntervalMs = integer("retention.interval-ms", 1000, 7 * 24 * 3600 * 1000);

    fcmCredentials = string("fcm.credentials", true);
    fcmEndpoint = trimSlash(string("fcm.endpoint", false));
    vapidPublicKey = string("vapid.public-key", true);
    vapidPrivateKey = string("vapid.private-key", true);
    vapidSubject = string("vapid.subject", false);
    webPushAllowedOrigins = list("webpush.allowed-origins", true);
    webPushTtlSeconds = integer("webpush.ttl-seconds", 0, 28 * 24 * 3600);
    pushMaxDevicesPerUser = integer("push.max-devices-per-user", 1, 1000);
    pushMaxAttempts = integer("push.max-attempts", 1, 100);
    pushRetryBaseMs = integer("push.retry-base-ms", 1, 3_600_000);
    pushRetryWindowMs = integer("push.retry-window-ms", 0, 7 * 24 * 3600 * 1000);
    pushRequestTimeoutMs = integer("push.request-timeout-ms", 100, 600_000);
    pushMaxPendingRetries = integer("push.max-pending-retries", 0, 10_000_000);
    pushMaxConnectionsPerHost = integer("push.max-connections-per-host", 1, 1000);
    validatePush();

    if (!jwtSecret.isEmpty() && jwtSecret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
      error("jwt.secret", "must be at least 32 bytes (HS256 keys shorter than the hash are weak)");
    }
    validateJwksUrl();
    if (idleTimeoutMs <= pingIntervalMs) {
      error("ws.idle-timeout-ms", "must be larger than ws.ping-interval-ms (" + pingIntervalMs + ")");
    }
    if (sseHeartbeatMs >= idleTimeoutMs) {
      error("sse.heartbeat-ms", "must be smaller than ws.idle-timeout-ms (" + idleTimeoutMs + "), or idle streams are cut");
    }
    if (sockjsHeartbeatMs >= idleTimeoutMs) {
      error("sockjs.heartbeat-ms", "must be smaller than ws.idle-timeout-ms (" + idleTimeoutMs + "), or quiet sessions are cut");
    }
    if (socketIoPingIntervalMs >= idleTimeoutMs) {
      error("socketio.ping-interval-ms", "must be smaller than ws.idle-timeout-ms (" + idleTimeoutMs + "), or idle polls are cut");
    }
    if (!socketIoPath.startsWith("/") || !socketIoPath.endsWith("/")) {
      error("socketio.path", "must start and end with '/'");
    }
    for (String ns : socketIoNamespaces) {
      if (!ns.startsWith("/")) {
        error("socketio.namespaces", "'" + ns + "' must start with '/'");
      }
    }
    if (!wsPath.startsWith("/")) {
      error("ws.path", "must start with '/'");
    }
    if (!bridgePath.startsWith("/") || bridgePath.endsWith("/") || bridgePath.equals(wsPath)) {
      error("bridge.path", "must start with '/', not end with '/', and differ from ws.path");
    }
    for (String p : openPrefixes) {
      if (!PREFIX.matcher(p).matches() || p.contains(":")) {
        error("rooms.open-prefixes", "'" + p + "' is not a room prefix (letters, digits, _ . @ -)");
      }
    }
    if (!pgUrl.isEmpty() && !PG_URL.matcher(pgUrl).matches()) {
      error("pg.url", "must look like postgresql://user:pass@host:5432/db, got '" + maskPassword(pgUrl) + "'");
    }
    if (!errors.isEmpty()) {
      throw new ConfigException("Invalid configuration:\n  " + String.join("\n  ", errors));
    }
  }

  /**
   * A JWKS document decides which tokens are genuine, so it is fetched over TLS: plain http only
   * from this machine (loopback) or in development mode.
   */
  private void validateJwksUrl() {
    if (jwksUrl.isEmpty()) {
      return;
    }
    java.net.URI uri;
    try {
      uri = new java.net.URI(jwksUrl);
    } catch (java.net.URISyntaxException e) {
      error("jwt.jwks-url", "is not a URL: '" + jwksUrl + "'");
      return;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
    String host = uri.getHost() == null ? "" : uri.getHost();
    if (scheme.equals("https") && !host.isEmpty()) {
      return;
    }
    if (scheme.equals("http") && !host.isEmpty()) {
      if (devMode || isLoopback(host)) {
        return;
      }
      error("jwt.jwks-url", "must be https:// (http:// is accepted only for a loopback host or in dev-mode), got '" + jwksUrl + "'");
      return;
    }
    error("jwt.jwks-url", "must be an https:// URL, got '" + jwksUrl + "'");
  }

  private static boolean isLoopback(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    return h.equalsIgnoreCase("localhost") || h.matches("127(\\.\\d{1,3}){3}") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
  }

  private void validatePush() {
    if (!fcmEndpoint.matches("https?://\\S+")) {
      error("fcm.endpoint", "must be an http(s) URL, got '" + fcmEndpoint + "'");
    }
    if (vapidPublicKey.isEmpty() != vapidPrivateKey.isEmpty()) {
      error(vapidPublicKey.isEmpty() ? "vapid.public-key" : "vapid.private-key",
          "must be set together with " + (vapidPublicKey.isEmpty() ? "vapid.private-key" : "vapid.public-key"));
    }
    byte[] pub = base64Url("vapid.public-key", vapidPublicKey);
    if (pub != null && (pub.length != 65 || pub[0] != 4)) {
      error("vapid.public-key", "must be base64url of a 65-byte uncompressed P-256 point (scripts/vapid-keys)");
    }
    byte[] priv = base64Url("vapid.private-key", vapidPrivateKey);
    if (priv != null && priv.length != 32) {
      error("vapid.private-key", "must be base64url of a 32-byte P-256 private key (scripts/vapid-keys)");
    }
    if (!vapidSubject.startsWith("mailto:") && !vapidSubject.startsWith("https://")) {
      error("vapid.subject", "must be a mailto: or https: URL, got '" + vapidSubject + "'");
    }
    for (String o : webPushAllowedOrigins) {
      if (!PUSH_ORIGIN.matcher(o).matches()) {
        error("webpush.allowed-origins", "'" + o + "' is not an origin such as https://push.example.com "
            + "or https://*.notify.windows.com");
      }
    }
  }

  /** The decoded bytes, null when empty; records an error when it is not base64url. */
  private byte[] base64Url(String key, String value) {
    if (value.isEmpty()) {
      return null;
    }
    try {
      return java.util.Base64.getUrlDecoder().decode(value.replace("=", ""));
    } catch (IllegalArgumentException e) {
      error(key, "is not base64url");
      return null;
    }
  }

  private static String trimSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /** True when a signing key of any kind is configured. */
  public boolean hasSigningKey() {
    return !jwtSecret.isEmpty() || !jwtPublicKey.isEmpty() || !jwksUrl.isEmpty();
  }

  /** A copy with the HS256 secret replaced (the development secret is generated after loading). */
  public HeraldConfig withJwtSecret(String secret) {
    Map<String, Object> copy = new java.util.HashMap<>(raw);
    copy.put("jwt.secret", secret);
    return new HeraldConfig(copy);
  }

  /** Every key and its value, secrets masked: for the start-up log and diagnostics. */
  public Map<String, Object> describe() {
    Map<String, Object> out = new java.util.TreeMap<>(raw);
    out.computeIfPresent("jwt.secret", (k, v) -> v.toString().isEmpty() ? "" : "***");
    out.computeIfPresent("pg.url", (k, v) -> maskPassword(v.toString()));
    out.computeIfPresent("vapid.private-key", (k, v) -> v.toString().isBlank() ? v : "***");
    return out;
  }

  /** {@code url} with the password (if any) replaced by {@code ***}. */
  static String maskPassword(String url) {
    return URL_PASSWORD.matcher(url).replaceFirst("$1***@");
  }

  private void error(String key, String message) {
    errors.add(key + " (" + ConfigLoader.envName(key) + ") " + message);
  }

  private String string(String key, boolean mayBeEmpty) {
    Object v = raw.get(key);
    String s = v == null ? "" : v.toString().trim();
    if (s.isEmpty() && !mayBeEmpty) {
      error(key, "must not be empty");
    }
    return s;
  }

  private int integer(String key, int min, int max) {
    Object v = raw.get(key);
    try {
      long n = v instanceof Number num ? num.longValue() : Long.parseLong(String.valueOf(v).trim());
      if (n < min || n > max) {
        error(key, "must be between " + min + " and " + max + ", got " + n);
        return min;
      }
      return (int) n;
    } catch (NumberFormatException e) {
      error(key, "must be an integer, got '" + v + "'");
      return min;
    }
  }

  private boolean bool(String key) {
    Object v = raw.get(key);
    if (v instanceof Boolean b) {
      return b;
    }
    String s = String.valueOf(v).trim().toLowerCase(java.util.Locale.ROOT);
    if (s.equals("true") || s.equals("false")) {
      return Boolean.parseBoolean(s);
    }
    error(key, "must be true or false, got '" + v + "'");
    return false;
  }

  private String oneOf(String key, List<String> allowed) {
    String s = string(key, false);
    if (!allowed.contains(s)) {
      error(key, "must be one of " + allowed + ", got '" + s + "'");
    }
    return s;
  }

  @SuppressWarnings("unchecked")
  private List<String> list(String key, boolean mayBeEmpty) {
    Object v = raw.get(key);
    List<String> out;
    if (v instanceof List<?> l) {
      out = new ArrayList<>();
      for (Object o : l) {
        out.add(String.valueOf(o).trim());
      }
    } else {
      out = ConfigLoader.splitList(String.valueOf(v == null ? "" : v));
    }
    if (out.isEmpty() && !mayBeEmpty) {
      error(key, "must list at least one value");
    }
    return List.copyOf(out);
  }
}

package io.herald.config;

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
  /** Reads and checks the raw values, collecting every error. */
  private final ConfigReader in;

  public final boolean devMode;
  public final String dataDir;
  public final int eventLoops;
  public final int shutdownGraceMs;
  /** The drain sends its clients 'reconnect' spread over this long (node.drain-spread-ms). */
  public final int drainSpreadMs;
  public final int reconcileIntervalMs;

  /** GET /metrics (Prometheus text); on http.port when metricsPort is 0, else on a management server. */
  public final boolean metricsEnabled;
  public final String metricsHost;
  public final int metricsPort;
  /** Bearer token /metrics needs on the HTTP port; empty = none (a management port never asks). */
  public final String metricsToken;
  /** "text", "json" or "auto" (text in dev-mode, json otherwise). */
  public final String logFormat;

  public final String httpHost;
  public final int httpPort;
  public final int maxBodyBytes;
  /** TCP_USER_TIMEOUT of accepted sockets: unacknowledged data for this long drops a connection (0 = kernel default). */
  public final int tcpUserTimeoutMs;

  public final String clusterName;
  public final String clusterHost;
  public final int clusterPort;
  /** The clustered event bus's port on cluster.host; 0 = a random free port. */
  public final int clusterEventBusPort;
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
  /** Per namespace: event name -> the extra name it is also emitted under there (socketio.event-aliases). */
  public final java.util.Map<String, java.util.Map<String, String>> socketIoEventAliases;
  public final String messagingPolicy;
  public final String messagingClaim;
  public final int messagingDedupWindowMs;
  public final int messagingMaxContentChars;
  public final int typingIntervalMs;
  public final int typingTimeoutMs;
  public final List<String> clientPublishPrefixes;
  public final boolean wsCompression;
  public final int wsCompressionThresholdBytes;
  public final int wsCompressionLevel;
  public final List<String> roomHistoryPrefixes;
  public final int roomHistoryMaxPerRoom;
  public final int roomHistoryMaxAgeDays;
  public final int dashboardStatsIntervalMs;
  public final String dashboardStatsRoom;
  public final List<String> openPrefixes;

  /** Empty: run an embedded PostgreSQL. */
  public final String pgUrl;
  public final int pgPoolSize;
  public final int pgTimeoutMs;
  /** Group commit: most notifications one insert statement carries. */
  public final int pgInsertBatchMax;
  /** Group commit: most notifications waiting for a batch; one more fails with STORE_UNAVAILABLE. */
  public final int pgInsertQueueMax;
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
    this.in = new ConfigReader(this.raw);
    devMode = in.bool("dev-mode");
    dataDir = in.string("data-dir", false);
    eventLoops = in.integer("node.event-loops", 0, 1024);
    shutdownGraceMs = in.integer("node.shutdown-grace-ms", 0, 60_000);
    drainSpreadMs = in.integer("node.drain-spread-ms", 0, 60_000);
    reconcileIntervalMs = in.integer("node.reconcile-interval-ms", 1000, 3_600_000);

    metricsEnabled = in.bool("metrics.enabled");
    metricsHost = in.string("metrics.host", false);
    metricsPort = in.integer("metrics.port", 0, 65535);
    metricsToken = in.string("metrics.token", true);
    logFormat = in.oneOf("log.format", List.of("auto", "text", "json"));

    httpHost = in.string("http.host", false);
    httpPort = in.integer("http.port", 0, 65535);
    maxBodyBytes = in.integer("http.max-body-bytes", 1024, 64 * 1024 * 1024);
    tcpUserTimeoutMs = in.integer("http.tcp-user-timeout-ms", 0, 3_600_000);

    clusterName = in.string("cluster.name", false);
    clusterHost = in.string("cluster.host", false);
    clusterPort = in.integer("cluster.port", 1, 65535);
    clusterEventBusPort = in.integer("cluster.event-bus-port", 0, 65535);
    clusterMembers = in.list("cluster.members", false);
    clusterKubernetesServiceDns = in.string("cluster.kubernetes-service-dns", true);

    jwtSecret = in.string("jwt.secret", true);
    jwtPublicKey = in.string("jwt.public-key", true);
    jwtPublicKeyAlgorithm = in.oneOf("jwt.public-key-algorithm", List.of("RS256", "ES256"));
    jwksUrl = in.string("jwt.jwks-url", true);
    jwksRefreshMs = in.integer("jwt.jwks-refresh-ms", 1000, 86_400_000);
    jwksTimeoutMs = in.integer("jwt.jwks-timeout-ms", 100, 600_000);
    jwksMinRefetchMs = in.integer("jwt.jwks-min-refetch-ms", 0, 86_400_000);
    jwtRequireExp = in.bool("jwt.require-exp");
    userClaim = in.string("jwt.user-claim", false);
    rolesClaim = in.string("jwt.roles-claim", false);
    roomsClaim = in.string("jwt.rooms-claim", false);
    serviceRoles = in.list("jwt.service-roles", false);
    jwtIssuer = in.string("jwt.issuer", true);
    jwtAudience = in.string("jwt.audience", true);
    jwtLeewaySeconds = in.integer("jwt.leeway-seconds", 0, 3600);

    wsPath = in.string("ws.path", false);
    maxFrameBytes = in.integer("ws.max-frame-bytes", 256, 16 * 1024 * 1024);
    authTimeoutMs = in.integer("ws.auth-timeout-ms", 100, 600_000);
    maxOutboundQueueBytes = in.integer("ws.max-outbound-queue-bytes", 4096, 256 * 1024 * 1024);
    rateLimitPerMinute = in.integer("ws.rate-limit-per-minute", 1, 1_000_000);
    pingIntervalMs = in.integer("ws.ping-interval-ms", 100, 3_600_000);
    idleTimeoutMs = in.integer("ws.idle-timeout-ms", 200, 7_200_000);

    sseHeartbeatMs = in.integer("sse.heartbeat-ms", 100, 3_600_000);
    sseRetryMs = in.integer("sse.retry-ms", 0, 600_000);

    replayUnreadLimit = in.integer("notifications.replay-unread-limit", 1, 1000);
    maxBatchRows = in.integer("notifications.max-batch-rows", 1, 1000);
    maxBatchBytes = in.integer("notifications.max-batch-bytes", 1024, 1024 * 1024 * 1024);
    bridgeEnabled = in.bool("bridge.enabled");
    bridgePath = in.string("bridge.path", false);
    bridgePingTimeoutMs = in.integer("bridge.ping-timeout-ms", 1000, 3_600_000);

    sockjsHeartbeatMs = in.integer("sockjs.heartbeat-ms", 100, 3_600_000);
    sockjsSessionTimeoutMs = in.integer("sockjs.session-timeout-ms", 100, 600_000);
    sockjsMaxBytesStreaming = in.integer("sockjs.max-bytes-streaming", 4096, 64 * 1024 * 1024);

    maxRoomsPerConnection = in.integer("rooms.max-per-connection", 1, 100_000);
    openPrefixes = in.list("rooms.open-prefixes", true);
    maxConnectionsPerUser = in.integer("limits.max-connections-per-user", 1, 100_000);
    maxConnectionsPerNode = in.integer("limits.max-connections-per-node", 1, 10_000_000);
    presenceGraceMs = in.integer("presence.grace-ms", 0, 3_600_000);
    presenceRoomPrefixes = in.list("presence.room-prefixes", true);
    presenceSubscribePolicy = in.oneOf("presence.subscribe-policy", List.of("any", "claim"));
    presenceClaim = in.string("presence.claim", false);
    maxStatusSubscriptions = in.integer("presence.max-subscriptions-per-connection", 1, 100_000);
    presenceStatusLookupsPerMinute = in.integer("presence.status-lookups-per-minute", 1, 1_000_000);
    socketIoPath = in.string("socketio.path", false);
    socketIoNamespaces = in.list("socketio.namespaces", false);
    socketIoPingIntervalMs = in.integer("socketio.ping-interval-ms", 100, 3_600_000);
    socketIoPingTimeoutMs = in.integer("socketio.ping-timeout-ms", 100, 3_600_000);
    socketIoMaxPayloadBytes = in.integer("socketio.max-payload-bytes", 1024, 100_000_000);
    socketIoCorsOrigins = in.list("socketio.cors-origins", true);
    socketIoEventAliases = aliases(in, in.list("socketio.event-aliases", true));
    messagingPolicy = in.oneOf("messaging.policy", List.of("any", "shared-room", "claim"));
    messagingClaim = in.string("messaging.claim", false);
    messagingDedupWindowMs = in.integer("messaging.dedup-window-ms", 0, 86_400_000);
    messagingMaxContentChars = in.integer("messaging.max-content-chars", 1, 1_000_000);
    typingIntervalMs = in.integer("typing.interval-ms", 100, 60_000);
    typingTimeoutMs = in.integer("typing.timeout-ms", 1000, 600_000);
    clientPublishPrefixes = in.list("rooms.client-publish-prefixes", true);
    wsCompression = in.bool("ws.compression");
    wsCompressionThresholdBytes = in.integer("ws.compression-threshold-bytes", 0, 16 * 1024 * 1024);
    wsCompressionLevel = in.integer("ws.compression-level", 1, 9);
    roomHistoryPrefixes = in.list("rooms.history-prefixes", true);
    roomHistoryMaxPerRoom = in.integer("rooms.history-max-per-room", 1, 1_000_000);
    roomHistoryMaxAgeDays = in.integer("rooms.history-max-age-days", 1, 36_500);
    dashboardStatsIntervalMs = in.integer("dashboard.stats-interval-ms", 100, 3_600_000);
    dashboardStatsRoom = in.string("dashboard.stats-room", false);

    pgUrl = in.string("pg.url", true);
    pgPoolSize = in.integer("pg.pool-size", 1, 256);
    pgTimeoutMs = in.integer("pg.timeout-ms", 100, 600_000);
    pgInsertBatchMax = in.integer("pg.insert-batch-max", 1, 1000); // NotificationStore.MAX_BATCH
    pgInsertQueueMax = in.integer("pg.insert-queue-max", 0, 1_000_000);
    pgEmbeddedDataDir = in.string("pg.embedded-data-dir", false);
    pgEmbeddedPort = in.integer("pg.embedded-port", 0, 65535);
    pgEmbeddedFsync = in.bool("pg.embedded-fsync");

    retentionMaxAgeDays = in.integer("retention.max-age-days", 1, 36_500);
    retentionMaxPerUser = in.integer("retention.max-per-user", 1, 10_000_000);
    retentionIntervalMs = in.integer("retention.interval-ms", 1000, 7 * 24 * 3600 * 1000);

    fcmCredentials = in.string("fcm.credentials", true);
    fcmEndpoint = trimSlash(in.string("fcm.endpoint", false));
    vapidPublicKey = in.string("vapid.public-key", true);
    vapidPrivateKey = in.string("vapid.private-key", true);
    vapidSubject = in.string("vapid.subject", false);
    webPushAllowedOrigins = in.list("webpush.allowed-origins", true);
    webPushTtlSeconds = in.integer("webpush.ttl-seconds", 0, 28 * 24 * 3600);
    pushMaxDevicesPerUser = in.integer("push.max-devices-per-user", 1, 1000);
    pushMaxAttempts = in.integer("push.max-attempts", 1, 100);
    pushRetryBaseMs = in.integer("push.retry-base-ms", 1, 3_600_000);
    pushRetryWindowMs = in.integer("push.retry-window-ms", 0, 7 * 24 * 3600 * 1000);
    pushRequestTimeoutMs = in.integer("push.request-timeout-ms", 100, 600_000);
    pushMaxPendingRetries = in.integer("push.max-pending-retries", 0, 10_000_000);
    pushMaxConnectionsPerHost = in.integer("push.max-connections-per-host", 1, 1000);
    validatePush();

    if (!jwtSecret.isEmpty() && jwtSecret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
      in.error("jwt.secret", "must be at least 32 bytes (HS256 keys shorter than the hash are weak)");
    }
    validateJwksUrl();
    if (metricsPort != 0 && metricsPort == httpPort) {
      in.error("metrics.port", "must differ from http.port (" + httpPort + "); 0 serves /metrics on http.port");
    }
    if (idleTimeoutMs <= pingIntervalMs) {
      in.error("ws.idle-timeout-ms", "must be larger than ws.ping-interval-ms (" + pingIntervalMs + ")");
    }
    if (sseHeartbeatMs >= idleTimeoutMs) {
      in.error("sse.heartbeat-ms", "must be smaller than ws.idle-timeout-ms (" + idleTimeoutMs + "), or idle streams are cut");
    }
    if (sockjsHeartbeatMs >= idleTimeoutMs) {
      in.error("sockjs.heartbeat-ms", "must be smaller than ws.idle-timeout-ms (" + idleTimeoutMs + "), or quiet sessions are cut");
    }
    if (socketIoPingIntervalMs >= idleTimeoutMs) {
      in.error("socketio.ping-interval-ms", "must be smaller than ws.idle-timeout-ms (" + idleTimeoutMs + "), or idle polls are cut");
    }
    if (!socketIoPath.startsWith("/") || !socketIoPath.endsWith("/")) {
      in.error("socketio.path", "must start and end with '/'");
    }
    for (String ns : socketIoNamespaces) {
      if (!ns.startsWith("/")) {
        in.error("socketio.namespaces", "'" + ns + "' must start with '/'");
      }
    }
    if (!dashboardStatsRoom.matches("[A-Za-z0-9:_.@-]{1,128}")
        || dashboardStatsRoom.matches("(user|presence|private)(:.*)?")) {
      in.error("dashboard.stats-room", "must be a room name (1-128 of A-Z a-z 0-9 : _ . @ -) outside user:, private: and presence:");
    }
    if (typingTimeoutMs <= typingIntervalMs) {
      in.error("typing.timeout-ms", "must be larger than typing.interval-ms (" + typingIntervalMs + ")");
    }
    if (!wsPath.startsWith("/")) {
      in.error("ws.path", "must start with '/'");
    }
    if (!bridgePath.startsWith("/") || bridgePath.endsWith("/") || bridgePath.equals(wsPath)) {
      in.error("bridge.path", "must start with '/', not end with '/', and differ from ws.path");
    }
    for (String p : openPrefixes) {
      if (!PREFIX.matcher(p).matches() || p.contains(":")) {
        in.error("rooms.open-prefixes", "'" + p + "' is not a room prefix (letters, digits, _ . @ -)");
      }
    }
    if (!pgUrl.isEmpty() && !PG_URL.matcher(pgUrl).matches()) {
      in.error("pg.url", "must look like postgresql://user:pass@host:5432/db, got '" + maskPassword(pgUrl) + "'");
    }
    if (!in.errors().isEmpty()) {
      throw new ConfigException("Invalid configuration:\n  " + String.join("\n  ", in.errors()));
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
      in.error("jwt.jwks-url", "is not a URL: '" + jwksUrl + "'");
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
      in.error("jwt.jwks-url", "must be https:// (http:// is accepted only for a loopback host or in dev-mode), got '" + jwksUrl + "'");
      return;
    }
    in.error("jwt.jwks-url", "must be an https:// URL, got '" + jwksUrl + "'");
  }

  private static boolean isLoopback(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    return h.equalsIgnoreCase("localhost") || h.matches("127(\\.\\d{1,3}){3}") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
  }

  private void validatePush() {
    if (!fcmEndpoint.matches("https?://\\S+")) {
      in.error("fcm.endpoint", "must be an http(s) URL, got '" + fcmEndpoint + "'");
    }
    if (vapidPublicKey.isEmpty() != vapidPrivateKey.isEmpty()) {
      in.error(vapidPublicKey.isEmpty() ? "vapid.public-key" : "vapid.private-key",
          "must be set together with " + (vapidPublicKey.isEmpty() ? "vapid.private-key" : "vapid.public-key"));
    }
    byte[] pub = in.base64Url("vapid.public-key", vapidPublicKey);
    if (pub != null && (pub.length != 65 || pub[0] != 4)) {
      in.error("vapid.public-key", "must be base64url of a 65-byte uncompressed P-256 point (scripts/vapid-keys)");
    }
    byte[] priv = in.base64Url("vapid.private-key", vapidPrivateKey);
    if (priv != null && priv.length != 32) {
      in.error("vapid.private-key", "must be base64url of a 32-byte P-256 private key (scripts/vapid-keys)");
    }
    if (!vapidSubject.startsWith("mailto:") && !vapidSubject.startsWith("https://")) {
      in.error("vapid.subject", "must be a mailto: or https: URL, got '" + vapidSubject + "'");
    }
    for (String o : webPushAllowedOrigins) {
      if (!PUSH_ORIGIN.matcher(o).matches()) {
        in.error("webpush.allowed-origins", "'" + o + "' is not an origin such as https://push.example.com "
            + "or https://*.notify.windows.com");
      }
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

  /** Whether logs are JSON lines: log.format json, or auto outside dev-mode. */
  public boolean jsonLogs() {
    return logFormat.equals("json") || (logFormat.equals("auto") && !devMode);
  }

  /** Every key and its value, secrets masked: for the start-up log and diagnostics. */
  public Map<String, Object> describe() {
    Map<String, Object> out = new java.util.TreeMap<>(raw);
    out.computeIfPresent("jwt.secret", (k, v) -> v.toString().isEmpty() ? "" : "***");
    out.computeIfPresent("pg.url", (k, v) -> maskPassword(v.toString()));
    out.computeIfPresent("vapid.private-key", (k, v) -> v.toString().isBlank() ? v : "***");
    out.computeIfPresent("metrics.token", (k, v) -> v.toString().isBlank() ? v : "***");
    // inline service-account JSON carries a private key (a path is shown)
    out.computeIfPresent("fcm.credentials", (k, v) -> v.toString().trim().startsWith("{") ? "***" : v);
    return out;
  }

  /** {@code url} with the password (if any) replaced by {@code ***}. */
  static String maskPassword(String url) {
    return URL_PASSWORD.matcher(url).replaceFirst("$1***@");
  }

  /** Parses "namespace event=alias" entries; a malformed one is reported under the key. */
  private static java.util.Map<String, java.util.Map<String, String>> aliases(ConfigReader in, List<String> entries) {
    java.util.Map<String, java.util.Map<String, String>> out = new java.util.HashMap<>();
    for (String entry : entries) {
      String[] parts = entry.trim().split("\\s+");
      int eq = parts.length == 2 ? parts[1].indexOf('=') : -1;
      if (eq <= 0 || eq == parts[1].length() - 1 || !parts[0].startsWith("/")) {
        in.error("socketio.event-aliases", "'" + entry + "' must read '<namespace> <event>=<alias>', e.g. '/ws message:new=MESSAGE_BROADCAST'");
        continue;
      }
      out.computeIfAbsent(parts[0], k -> new java.util.HashMap<>()).put(parts[1].substring(0, eq), parts[1].substring(eq + 1));
    }
    java.util.Map<String, java.util.Map<String, String>> frozen = new java.util.HashMap<>();
    out.forEach((ns, map) -> frozen.put(ns, java.util.Map.copyOf(map)));
    return java.util.Map.copyOf(frozen);
  }
}

package io.herald.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The layered configuration: defaults in the jar, then a config file, then the environment, then
 * overrides. Every test loads from its own empty working directory.
 */
@DisplayName("Configuration: defaults, config file, environment, validation")
class ConfigTest {
  static final String SECRET = "a-secret-of-at-least-32-bytes-0123456789";

  @TempDir
  Path workDir;

  HeraldConfig load(Map<String, String> env) {
    return ConfigLoader.load(env, workDir, Map.of());
  }

  void write(String relative, String content) throws IOException {
    Path p = workDir.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
  }

  // ---------------------------------------------------------------- JWKS URL

  @Test
  @DisplayName("operations keys: a management port other than the HTTP port, a known log format, JSON logs outside dev-mode, the token masked")
  void operationsKeys() {
    assertThatThrownBy(() -> load(Map.of("HERALD_METRICS_PORT", "8080", "HERALD_HTTP_PORT", "8080")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("metrics.port (HERALD_METRICS_PORT)");
    assertThatThrownBy(() -> load(Map.of("HERALD_LOG_FORMAT", "xml")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("log.format (HERALD_LOG_FORMAT)");
    assertThatThrownBy(() -> load(Map.of("HERALD_NODE_DRAIN_SPREAD_MS", "-1")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("node.drain-spread-ms");
    assertThat(load(Map.of()).jsonLogs()).isTrue();
    assertThat(load(Map.of("HERALD_DEV_MODE", "true")).jsonLogs()).isFalse();
    assertThat(load(Map.of("HERALD_DEV_MODE", "true", "HERALD_LOG_FORMAT", "json")).jsonLogs()).isTrue();
    assertThat(load(Map.of("HERALD_LOG_FORMAT", "text")).jsonLogs()).isFalse();
    assertThat(load(Map.of("HERALD_METRICS_TOKEN", "s3cret-scrape")).describe()).containsEntry("metrics.token", "***");
    assertThat(load(Map.of("HERALD_FCM_CREDENTIALS", "{\"private_key\":\"x\"}")).describe())
        .containsEntry("fcm.credentials", "***");
  }

  @Test
  @DisplayName("a JWKS URL must be https; http only for a loopback host or in dev-mode")
  void jwksUrlScheme() {
    assertThat(load(Map.of("HERALD_JWT_JWKS_URL", "https://auth.example.com/jwks.json")).jwksUrl)
        .isEqualTo("https://auth.example.com/jwks.json");
    for (String local : new String[] {"http://127.0.0.1:9000/jwks", "http://localhost/jwks", "http://[::1]:80/jwks"}) {
      assertThat(load(Map.of("HERALD_JWT_JWKS_URL", local)).jwksUrl).isEqualTo(local);
    }
    assertThatThrownBy(() -> load(Map.of("HERALD_JWT_JWKS_URL", "http://auth.example.com/jwks.json")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("jwt.jwks-url (HERALD_JWT_JWKS_URL)")
        .hasMessageContaining("https://");
    assertThatThrownBy(() -> load(Map.of("HERALD_JWT_JWKS_URL", "ftp://auth.example.com/jwks.json")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("jwt.jwks-url");
    assertThat(load(Map.of("HERALD_JWT_JWKS_URL", "http://auth.internal/jwks.json", "HERALD_DEV_MODE", "true")).jwksUrl)
        .isEqualTo("http://auth.internal/jwks.json");
  }

  @Test
  @DisplayName("the hardening defaults: exp required, embedded fsync on, bounded stored batches and status look-ups")
  void hardeningDefaults() {
    HeraldConfig c = load(Map.of());
    assertThat(c.jwtRequireExp).isTrue();
    assertThat(c.pgEmbeddedFsync).isTrue();
    assertThat(c.maxBatchRows).isEqualTo(1000);
    assertThat(c.maxBatchBytes).isEqualTo(4 * 1024 * 1024);
    assertThat(c.presenceStatusLookupsPerMinute).isEqualTo(1000);
    assertThat(c.jwksTimeoutMs).isEqualTo(5000);
    assertThat(c.tcpUserTimeoutMs).isEqualTo(30_000);
  }

  // ---------------------------------------------------------------- layers

  @Test
  @DisplayName("with no file and no environment, the defaults packed in the jar apply")
  void defaults() {
    HeraldConfig c = load(Map.of());
    assertThat(c.devMode).isFalse();
    assertThat(c.dataDir).isEqualTo("./data");
    assertThat(c.httpPort).isEqualTo(8080);
    assertThat(c.wsPath).isEqualTo("/ws");
    assertThat(c.authTimeoutMs).isEqualTo(10_000);
    assertThat(c.jwtSecret).isEmpty();
    assertThat(c.jwtPublicKeyAlgorithm).isEqualTo("RS256");
    assertThat(c.userClaim).isEqualTo("sub");
    assertThat(c.rolesClaim).isEqualTo("roles");
    assertThat(c.serviceRoles).containsExactly("service", "admin");
    assertThat(c.jwtLeewaySeconds).isZero();
    assertThat(c.openPrefixes).isEmpty();
    assertThat(c.clusterMembers).containsExactly("127.0.0.1");
    assertThat(c.hasSigningKey()).isFalse();
  }

  @Test
  @DisplayName("conf/herald.yaml in the working directory overrides the keys it names, and only those")
  void yamlFile() throws IOException {
    write("conf/herald.yaml", """
        http:
          port: 9090
        jwt:
          secret: %s
          user-claim: uid
        rooms:
          open-prefixes: [lobby, announcements]
        """.formatted(SECRET));
    HeraldConfig c = load(Map.of());
    assertThat(c.httpPort).isEqualTo(9090);
    assertThat(c.jwtSecret).isEqualTo(SECRET);
    assertThat(c.userClaim).isEqualTo("uid");
    assertThat(c.openPrefixes).containsExactly("lobby", "announcements");
    assertThat(c.httpHost).isEqualTo("0.0.0.0");
    assertThat(c.authTimeoutMs).isEqualTo(10_000);
  }

  @Test
  @DisplayName("conf/herald.json works like the YAML file")
  void jsonFile() throws IOException {
    write("conf/herald.json", """
        {"http": {"port": 9191}, "dev-mode": true, "jwt": {"service-roles": ["producer"]}}
        """);
    HeraldConfig c = load(Map.of());
    assertThat(c.httpPort).isEqualTo(9191);
    assertThat(c.devMode).isTrue();
    assertThat(c.serviceRoles).containsExactly("producer");
  }

  @Test
  @DisplayName("HERALD_CONFIG names the file, relative to the working directory, instead of conf/herald.yaml")
  void heraldConfigRelative() throws IOException {
    write("conf/herald.yaml", "http: {port: 9090}\n");
    write("elsewhere/prod.yaml", "http: {port: 9292}\n");
    assertThat(load(Map.of("HERALD_CONFIG", "elsewhere/prod.yaml")).httpPort).isEqualTo(9292);
  }

  @Test
  @DisplayName("HERALD_CONFIG may be an absolute path, and a .json name is read as JSON")
  void heraldConfigAbsolute(@TempDir Path other) throws IOException {
    Path file = Files.writeString(other.resolve("herald.json"), "{\"http\": {\"port\": 9393}}");
    assertThat(load(Map.of("HERALD_CONFIG", file.toAbsolutePath().toString())).httpPort).isEqualTo(9393);
  }

  @Test
  @DisplayName("HERALD_CONFIG naming a missing file is an error naming HERALD_CONFIG")
  void heraldConfigMissing() {
    assertThatThrownBy(() -> load(Map.of("HERALD_CONFIG", "conf/nope.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("HERALD_CONFIG")
        .hasMessageContaining("nope.yaml");
  }

  @Test
  @DisplayName("environment variables override the file: int, bool, string and comma-separated list")
  void environment() throws IOException {
    write("conf/herald.yaml", "http: {port: 9090}\nrooms: {open-prefixes: [lobby]}\n");
    HeraldConfig c = load(Map.of(
        "HERALD_HTTP_PORT", "9494",
        "HERALD_DEV_MODE", "TRUE",
        "HERALD_JWT_SECRET", SECRET,
        "HERALD_WS_AUTH_TIMEOUT_MS", "750",
        "HERALD_ROOMS_OPEN_PREFIXES", "news, announcements,,",
        "HERALD_JWT_SERVICE_ROLES", "producer"));
    assertThat(c.httpPort).isEqualTo(9494);
    assertThat(c.devMode).isTrue();
    assertThat(c.jwtSecret).isEqualTo(SECRET);
    assertThat(c.authTimeoutMs).isEqualTo(750);
    assertThat(c.openPrefixes).containsExactly("news", "announcements");
    assertThat(c.serviceRoles).containsExactly("producer");
  }

  @Test
  @DisplayName("every key in the defaults is read from its HERALD_ variable")
  void everyKeyHasAnEnvironmentVariable() {
    Map<String, Object> defaults = ConfigLoader.defaults();
    Map<String, String> env = new HashMap<>();
    for (Map.Entry<String, Object> e : defaults.entrySet()) {
      // Padding survives in the raw value (so it shows where the value came from) and is trimmed
      // when the value is read (so it stays valid); lists get a new value.
      env.put(ConfigLoader.envName(e.getKey()), e.getValue() instanceof List ? listValue(e.getKey()) : " " + e.getValue() + " ");
    }
    Map<String, Object> raw = load(env).describe();
    assertThat(raw.keySet()).containsExactlyInAnyOrderElementsOf(defaults.keySet());
    for (Map.Entry<String, Object> e : defaults.entrySet()) {
      Object expected = e.getValue() instanceof List ? List.of(listValue(e.getKey()).split(",")) : " " + e.getValue() + " ";
      if (e.getKey().equals("jwt.secret")) {
        expected = "***";
      }
      assertThat(raw.get(e.getKey())).as(e.getKey()).isEqualTo(expected);
    }
    assertThat(ConfigLoader.envName("ws.max-frame-bytes")).isEqualTo("HERALD_WS_MAX_FRAME_BYTES");
  }

  /** A valid two-element list for a list key (namespaces must look like paths). */
  private static String listValue(String key) {
    return switch (key) {
      case "socketio.namespaces" -> "/x,/y";
      case "socketio.event-aliases" -> "/x a=b,/y c=d";
      default -> "x,y";
    };
  }

  @Test
  @DisplayName("Socket.IO event aliases are read per namespace; a malformed one, or typing that expires before its interval, names the key")
  void aliasesAndTyping() {
    HeraldConfig c = load(Map.of("HERALD_SOCKETIO_EVENT_ALIASES", "/ws message:new=MESSAGE_BROADCAST, /ws typing:start=TYPING_INDICATOR"));
    assertThat(c.socketIoEventAliases.get("/ws")).containsEntry("message:new", "MESSAGE_BROADCAST")
        .containsEntry("typing:start", "TYPING_INDICATOR").hasSize(2);
    assertThat(load(Map.of()).socketIoEventAliases.get("/ws")).as("the seeds' names by default")
        .containsEntry("message:new", "MESSAGE_BROADCAST").containsEntry("typing:stop", "TYPING_INDICATOR");
    assertThatThrownBy(() -> load(Map.of("HERALD_SOCKETIO_EVENT_ALIASES", "message:new=MESSAGE_BROADCAST")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("socketio.event-aliases");
    assertThatThrownBy(() -> load(Map.of("HERALD_TYPING_INTERVAL_MS", "5000", "HERALD_TYPING_TIMEOUT_MS", "4000")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("typing.timeout-ms");
    assertThatThrownBy(() -> load(Map.of("HERALD_MESSAGING_POLICY", "friends")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("messaging.policy");
  }

  @Test
  @DisplayName("programmatic overrides win over the environment")
  void overrides() {
    HeraldConfig c = ConfigLoader.load(Map.of("HERALD_HTTP_PORT", "9494"), workDir, Map.of("http.port", 0));
    assertThat(c.httpPort).isZero();
  }

  // ---------------------------------------------------------------- errors

  @Test
  @DisplayName("an unknown key in a file is an error naming the key and the file")
  void unknownKeyInFile() throws IOException {
    write("conf/herald.yaml", "http:\n  prot: 9090\n");
    assertThatThrownBy(() -> load(Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.prot")
        .hasMessageContaining("herald.yaml");
  }

  @Test
  @DisplayName("an unknown override key is an error naming the key")
  void unknownOverride() {
    assertThatThrownBy(() -> ConfigLoader.load(Map.of(), workDir, Map.of("jwt.secrte", SECRET)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("jwt.secrte");
  }

  @Test
  @DisplayName("a file that does not parse is an error naming the file")
  void unparsableFile() throws IOException {
    write("conf/herald.yaml", "http: [port: 9090\n");
    assertThatThrownBy(() -> load(Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("herald.yaml");
  }

  @ParameterizedTest(name = "{0}={1}")
  @DisplayName("a bad value is an error naming the key and its environment variable")
  @CsvSource(delimiter = '|', value = {
      "HERALD_HTTP_PORT           | abc   | http.port",
      "HERALD_HTTP_PORT           | 70000 | http.port",
      "HERALD_HTTP_PORT           | -1    | http.port",
      "HERALD_WS_AUTH_TIMEOUT_MS  | 10    | ws.auth-timeout-ms",
      "HERALD_DEV_MODE            | yes   | dev-mode",
      "HERALD_JWT_SECRET          | short | jwt.secret",
      "HERALD_JWT_PUBLIC_KEY_ALGORITHM | HS256 | jwt.public-key-algorithm",
      "HERALD_WS_PATH             | ws    | ws.path",
      "HERALD_JWT_USER_CLAIM      | ' '   | jwt.user-claim",
      "HERALD_JWT_SERVICE_ROLES   | ','   | jwt.service-roles",
      "HERALD_ROOMS_OPEN_PREFIXES | a:b   | rooms.open-prefixes",
  })
  void badValue(String envVar, String value, String key) {
    assertThatThrownBy(() -> load(Map.of(envVar, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(key)
        .hasMessageContaining(envVar);
  }

  @Test
  @DisplayName("a bad value in a file is an error naming the key, like one from the environment")
  void badValueInFile() throws IOException {
    write("conf/herald.yaml", "ws:\n  max-frame-bytes: lots\n");
    assertThatThrownBy(() -> load(Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("ws.max-frame-bytes (HERALD_WS_MAX_FRAME_BYTES)");
  }

  @ParameterizedTest(name = "port: {0}")
  @DisplayName("a number in a file that is not a long integer is an error, not silently truncated")
  @CsvSource({"8080.9", "1e3", "18446744073709559000"})
  void notAnInteger(String port) throws IOException {
    write("conf/herald.yaml", "http:\n  port: " + port + "\n");
    assertThatThrownBy(() -> load(Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.port (HERALD_HTTP_PORT)");
  }

  @Test
  @DisplayName("several bad values are reported together")
  void severalErrors() {
    assertThatThrownBy(() -> load(Map.of(
        "HERALD_HTTP_PORT", "abc",
        "HERALD_DEV_MODE", "maybe",
        "HERALD_JWT_SECRET", "short")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.port (HERALD_HTTP_PORT)")
        .hasMessageContaining("dev-mode (HERALD_DEV_MODE)")
        .hasMessageContaining("jwt.secret (HERALD_JWT_SECRET)");
  }

  @Test
  @DisplayName("jwt.secret is measured in UTF-8 bytes: 16 two-byte characters are enough")
  void secretLengthInBytes() {
    assertThat(load(Map.of("HERALD_JWT_SECRET", "ü".repeat(16))).jwtSecret).isEqualTo("ü".repeat(16));
    assertThatThrownBy(() -> load(Map.of("HERALD_JWT_SECRET", "ü".repeat(15))))
        .hasMessageContaining("jwt.secret");
  }

  @Test
  @DisplayName("a signing key of any kind counts: secret, public key or JWKS URL")
  void signingKey() {
    assertThat(load(Map.of("HERALD_JWT_SECRET", SECRET)).hasSigningKey()).isTrue();
    assertThat(load(Map.of("HERALD_JWT_PUBLIC_KEY", "/etc/herald/jwt.pem")).hasSigningKey()).isTrue();
    assertThat(load(Map.of("HERALD_JWT_JWKS_URL", "https://id.example/jwks.json")).hasSigningKey()).isTrue();
  }

  @Test
  @DisplayName("describe() masks the secret")
  void describeMasksSecret() {
    assertThat(load(Map.of("HERALD_JWT_SECRET", SECRET)).describe().get("jwt.secret")).isEqualTo("***");
  }
}

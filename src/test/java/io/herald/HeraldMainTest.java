package io.herald;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.test.Await;
import io.herald.test.TestSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java io.herald.Herald} as a child process, in a fresh working directory and with no
 * HERALD_* variable but those a test sets: start-up refusals, the token command, and one node in
 * development mode.
 */
@DisplayName("herald main: start-up refusals and the token command")
class HeraldMainTest {
  static final int EXIT_WAIT_SECONDS = 30;
  static final String SECRET = "a-configured-secret-0123456789-abcdefgh";

  @TempDir
  Path workDir;

  record Run(int exit, String stdout, String stderr) {
    String output() {
      return stdout + stderr;
    }
  }

  // ---------------------------------------------------------------- start-up refusals

  @Test
  @DisplayName("with no signing key and no dev mode, the node refuses to start and names jwt.secret")
  void noSigningKey() throws Exception {
    Run r = herald(Map.of());
    assertThat(r.exit()).as(r.output()).isNotZero();
    assertThat(r.stderr()).contains("jwt.secret").contains("HERALD_JWT_SECRET");
    assertThat(workDir.resolve("data")).doesNotExist();
  }

  @Test
  @DisplayName("an invalid HERALD_HTTP_PORT stops start-up naming http.port and HERALD_HTTP_PORT")
  void invalidPort() throws Exception {
    Run r = herald(Map.of("HERALD_HTTP_PORT", "abc", "HERALD_JWT_SECRET", SECRET));
    assertThat(r.exit()).as(r.output()).isNotZero();
    assertThat(r.stderr()).contains("http.port").contains("HERALD_HTTP_PORT").contains("abc");
  }

  @Test
  @DisplayName("an unknown key in conf/herald.yaml stops start-up naming the key")
  void unknownKeyInFile() throws Exception {
    Files.createDirectories(workDir.resolve("conf"));
    Files.writeString(workDir.resolve("conf/herald.yaml"), "jwt:\n  secert: " + SECRET + "\n");
    Run r = herald(Map.of("HERALD_JWT_SECRET", SECRET));
    assertThat(r.exit()).as(r.output()).isNotZero();
    assertThat(r.stderr()).contains("jwt.secert");
  }

  @Test
  @DisplayName("an unknown command is refused with the usage")
  void unknownCommand() throws Exception {
    Run r = herald(Map.of(), "serve");
    assertThat(r.exit()).isNotZero();
    assertThat(r.stderr()).contains("usage");
  }

  // ---------------------------------------------------------------- token

  @Test
  @DisplayName("token in dev mode creates data/jwt-secret once and prints a JWT with sub, roles and exp")
  void tokenInDevMode() throws Exception {
    Map<String, String> dev = Map.of("HERALD_DEV_MODE", "true");
    long before = System.currentTimeMillis() / 1000;
    Run first = herald(dev, "token", "--sub", "alice", "--roles", "service", "--ttl", "5m");
    long after = System.currentTimeMillis() / 1000;
    assertThat(first.exit()).as(first.output()).isZero();
    Path secretFile = workDir.resolve("data/jwt-secret");
    assertThat(secretFile).isRegularFile();
    String secret = Files.readString(secretFile).trim();
    assertThat(secret.getBytes(StandardCharsets.UTF_8).length).isGreaterThanOrEqualTo(32);

    String token = onlyLine(first.stdout());
    JsonObject claims = claims(token);
    assertThat(claims.getString("sub")).isEqualTo("alice");
    assertThat(claims.getJsonArray("roles")).isEqualTo(new JsonArray().add("service"));
    assertThat(claims.getLong("exp")).isBetween(before + 300, after + 300);
    assertThat(verifies(token, secret)).isTrue();
    assertThat(verifies(token, SECRET)).as("verifies with another secret").isFalse();

    Run second = herald(dev, "token", "--sub", "bob");
    assertThat(second.exit()).as(second.output()).isZero();
    assertThat(Files.readString(secretFile).trim()).as("the secret is reused, not regenerated").isEqualTo(secret);
    String token2 = onlyLine(second.stdout());
    assertThat(claims(token2).getString("sub")).isEqualTo("bob");
    assertThat(verifies(token2, secret)).isTrue();
    assertThat(verifies(token, secret)).isTrue();
  }

  @Test
  @DisplayName("token signs with the configured HERALD_JWT_SECRET and creates no development secret")
  void tokenWithConfiguredSecret() throws Exception {
    Run r = herald(Map.of("HERALD_JWT_SECRET", SECRET), "token", "--sub", "carol");
    assertThat(r.exit()).as(r.output()).isZero();
    String token = onlyLine(r.stdout());
    assertThat(verifies(token, SECRET)).isTrue();
    assertThat(claims(token).getString("sub")).isEqualTo("carol");
    assertThat(workDir.resolve("data")).doesNotExist();
  }

  @Test
  @DisplayName("token without --sub fails with a message saying --sub is required")
  void tokenWithoutSub() throws Exception {
    Run r = herald(Map.of("HERALD_DEV_MODE", "true"), "token", "--roles", "service");
    assertThat(r.exit()).isNotZero();
    assertThat(r.stderr()).contains("--sub");
    assertThat(r.stdout()).doesNotContain(".ey");
  }

  @Test
  @DisplayName("token with a bad --ttl fails naming the accepted forms")
  void tokenBadTtl() throws Exception {
    Run r = herald(Map.of("HERALD_DEV_MODE", "true"), "token", "--sub", "alice", "--ttl", "soon");
    assertThat(r.exit()).isNotZero();
    assertThat(r.stderr()).contains("--ttl").contains("soon");
  }

  // ---------------------------------------------------------------- a node in dev mode

  @Test
  @DisplayName("in dev mode a node starts with a generated secret, and scripts/token's tokens are accepted by it")
  void devModeNode() throws Exception {
    Map<String, String> dev = Map.of(
        "HERALD_DEV_MODE", "true",
        "HERALD_NODE_EVENT_LOOPS", "1",
        "HERALD_CLUSTER_PORT", String.valueOf(30000 + ThreadLocalRandom.current().nextInt(0, 200) * 50));
    Process node = start(dev);
    try {
      BlockingQueue<String> lines = lines(node);
      String ready = awaitLine(lines, READY, 60);
      Matcher m = READY.matcher(ready);
      assertThat(m.find()).isTrue();
      int port = Integer.parseInt(m.group(1));
      assertThat(workDir.resolve("data/jwt-secret")).isRegularFile();

      Run token = herald(dev, "token", "--sub", "alice");
      assertThat(token.exit()).as(token.output()).isZero();
      try (TestSocket s = TestSocket.connect(port, onlyLine(token.stdout()))) {
        assertThat(s.isClosed()).isFalse();
      }

      node.destroy(); // SIGTERM: drain and leave the cluster
      assertThat(node.waitFor(EXIT_WAIT_SECONDS, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
    } finally {
      node.destroyForcibly();
    }
  }

  static final Pattern READY = Pattern.compile("ready: http://127\\.0\\.0\\.1:(\\d+)");

  /** Starts a node with the Hazelcast flags this JVM was given (the pom's herald.jvm.opens). */
  Process start(Map<String, String> heraldEnv) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-")) {
        command.add(arg);
      }
    }
    command.addAll(List.of("-XX:TieredStopAtLevel=1", "-Xshare:auto", "-Xmx256m",
        "-Dhazelcast.logging.type=slf4j", "-Dhazelcast.phone.home.enabled=false",
        "-cp", System.getProperty("java.class.path"), Herald.class.getName()));
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    environment(pb, heraldEnv);
    return pb.start();
  }

  /** The process's output, line by line, read on a daemon thread. */
  static BlockingQueue<String> lines(Process p) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (IOException ignored) {
        // the process ended
      }
    }, "herald-child-output");
    reader.setDaemon(true);
    reader.start();
    return lines;
  }

  static String awaitLine(BlockingQueue<String> lines, Pattern pattern, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<String> seen = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (line == null) {
        break;
      }
      if (pattern.matcher(line).find()) {
        return line;
      }
      seen.add(line);
    }
    throw new AssertionError("no line matching " + pattern + " within " + seconds + " s; output: " + seen);
  }

  // ---------------------------------------------------------------- helpers

  /** Runs {@code java io.herald.Herald args} in {@link #workDir} with only these HERALD_ variables. */
  Run herald(Map<String, String> heraldEnv, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-Xshare:auto",
        "-cp", System.getProperty("java.class.path"),
        Herald.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
    environment(pb, heraldEnv);
    Path out = Files.createTempFile("herald-stdout", ".txt");
    Path err = Files.createTempFile("herald-stderr", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    try {
      if (!p.waitFor(EXIT_WAIT_SECONDS, TimeUnit.SECONDS)) {
        throw new AssertionError("herald " + String.join(" ", args) + " still running after " + EXIT_WAIT_SECONDS
            + " s; stdout: " + Files.readString(out) + " stderr: " + Files.readString(err));
      }
      return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      p.destroyForcibly();
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** No HERALD_ variable but these; a node that starts (by mistake or on purpose) joins nothing real. */
  static void environment(ProcessBuilder pb, Map<String, String> heraldEnv) {
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("HERALD_"));
    env.put("HERALD_HTTP_PORT", "0");
    env.put("HERALD_HTTP_HOST", "127.0.0.1");
    env.put("HERALD_CLUSTER_NAME", "herald-main-test-" + UUID.randomUUID());
    env.putAll(heraldEnv);
  }

  /** Stdout must be the token alone, so that TOKEN=$(scripts/token ...) works. */
  static String onlyLine(String stdout) {
    List<String> lines = stdout.lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines).as("stdout").hasSize(1);
    assertThat(lines.get(0)).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    return lines.get(0);
  }

  static JsonObject claims(String token) {
    String payload = token.split("\\.")[1];
    return new JsonObject(new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8));
  }

  static boolean verifies(String token, String secret) {
    JWTAuth auth = JWTAuth.create(TestSocket.vertx(), new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
    try {
      Await.result(auth.authenticate(new TokenCredentials(token)), 10);
      return true;
    } catch (AssertionError e) {
      return false;
    }
  }
}

package io.herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.config.ConfigLoader;
import io.herald.config.HeraldConfig;
import io.herald.test.Http;
import io.herald.test.TestNodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The container image Jib builds before the tests (pom.xml's image-check execution). No registry is
 * reachable here, so that execution builds on {@code scratch}: this test
 * checks the image's configuration (entry point, flags, user, ports, environment) against
 * scripts/lib.sh, the configuration and k8s/, then unpacks its layers and runs the entry point's
 * command line with this machine's Java in place of the base image's: the application layers alone
 * must start a node that answers its health check.
 */
@DisplayName("the container image")
class ImageTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();

  static Path unpacked;
  static JsonObject config;

  @BeforeAll
  static void unpack() throws Exception {
    String tar = System.getProperty("herald.image.tar");
    assertThat(tar).as("herald.image.tar (set by pom.xml's surefire configuration)").isNotNull();
    assertThat(Path.of(tar)).as("the image-check execution of jib-maven-plugin builds it before the tests").exists();
    unpacked = Files.createTempDirectory("herald-image");
    run(List.of("tar", "-xf", tar, "-C", unpacked.toString()));
    JsonArray manifest = new JsonArray(Files.readString(unpacked.resolve("manifest.json")));
    config = new JsonObject(Files.readString(unpacked.resolve(manifest.getJsonObject(0).getString("Config"))))
        .getJsonObject("config");
    Path rootfs = Files.createDirectories(unpacked.resolve("rootfs"));
    for (Object layer : manifest.getJsonObject(0).getJsonArray("Layers")) {
      run(List.of("tar", "--warning=no-unknown-keyword", "-xzf", unpacked.resolve(layer.toString()).toString(),
          "-C", rootfs.toString()));
    }
  }

  private static void run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", command, out).isZero();
  }

  /** The JVM flags of scripts/lib.sh's HERALD_JAVA_OPTS default, as one token each ("--add-opens=x"). */
  private static List<String> libShFlags() throws IOException {
    Matcher m = Pattern.compile("HERALD_JAVA_OPTS=\"\\$\\{HERALD_JAVA_OPTS:-(.*)}\"").matcher(Files.readString(Path.of("scripts/lib.sh")));
    assertThat(m.find()).isTrue();
    List<String> flags = new ArrayList<>();
    String[] words = m.group(1).trim().split("\\s+");
    for (int i = 0; i < words.length; i++) {
      flags.add(words[i].startsWith("--add-") && !words[i].contains("=") ? words[i] + "=" + words[++i] : words[i]);
    }
    return flags;
  }

  @Test
  @DisplayName("entry point: java with scripts/lib.sh's flags and a heap bound, Herald's main class, no arguments (as java -jar)")
  void entryPoint() throws IOException {
    List<String> entry = config.getJsonArray("Entrypoint").getList();
    assertThat(entry.get(0)).isEqualTo("java");
    assertThat(entry).containsAll(libShFlags());
    assertThat(entry).anyMatch(f -> f.startsWith("-XX:MaxRAMPercentage="));
    assertThat(entry.get(entry.size() - 1)).isEqualTo(io.herald.Herald.class.getName());
    assertThat(config.getJsonArray("Cmd")).isNull();
  }

  @Test
  @DisplayName("a non-root user, the configured ports exposed, and only real configuration keys in its environment")
  void userPortsEnvironment() throws IOException {
    String user = config.getString("User");
    assertThat(user).matches("[1-9][0-9]*:[1-9][0-9]*");
    HeraldConfig defaults = ConfigLoader.load(Map.of("HERALD_JWT_SECRET", TestNodes.SECRET), Path.of("target/no-config-here"), Map.of());
    HeraldConfig pod = KubernetesManifestsTest.podConfig();
    Set<String> ports = new TreeSet<>(config.getJsonObject("ExposedPorts").fieldNames());
    assertThat(ports).containsExactlyInAnyOrder(defaults.httpPort + "/tcp", defaults.clusterPort + "/tcp",
        pod.metricsPort + "/tcp", pod.clusterEventBusPort + "/tcp");
    Set<String> known = new TreeSet<>();
    ConfigLoader.defaults().keySet().forEach(k -> known.add(ConfigLoader.envName(k)));
    for (Object e : config.getJsonArray("Env", new JsonArray())) {
      String name = e.toString().substring(0, e.toString().indexOf('='));
      if (name.startsWith("HERALD_")) {
        assertThat(known).contains(name);
      }
    }
    // the k8s Deployment runs it as the same user
    int runAsUser = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
        .readTree(Path.of("k8s/base/deployment.yaml").toFile()).at("/spec/template/spec/securityContext/runAsUser").asInt();
    assertThat(user).startsWith(runAsUser + ":");
  }

  @Test
  @DisplayName("its layers alone, run by its entry point's command line, start a node that answers /health/ready and stops on SIGTERM")
  void layersRun() throws Exception {
    Path rootfs = unpacked.resolve("rootfs");
    Path classpathFile = rootfs.resolve("app/jib-classpath-file");
    String classpath = Files.readString(classpathFile).trim();
    List<String> entries = new ArrayList<>();
    for (String entry : classpath.split(":")) {
      Path local = rootfs.resolve(entry.substring(1)); // "/app/libs/x.jar" under the unpacked root
      assertThat(local).as("classpath entry %s", entry).exists();
      entries.add(local.toString());
    }
    List<String> command = new ArrayList<>(config.getJsonArray("Entrypoint").getList());
    command.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
    int cp = command.indexOf("-cp");
    assertThat(command.get(cp + 1)).isEqualTo("@/app/jib-classpath-file");
    command.set(cp + 1, String.join(":", entries));
    HeraldConfig cluster = nodes.config(Map.of());
    int port = TestNodes.freePort();
    ProcessBuilder pb = new ProcessBuilder(command).directory(Files.createDirectories(rootfs.resolve("app")).toFile())
        .redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("HERALD_"));
    for (Object e : config.getJsonArray("Env", new JsonArray())) {
      String[] kv = e.toString().split("=", 2);
      env.put(kv[0], kv[1].replace("/tmp/herald", unpacked.resolve("tmp").toString()));
    }
    env.put("HERALD_HTTP_HOST", "127.0.0.1");
    env.put("HERALD_HTTP_PORT", Integer.toString(port));
    env.put("HERALD_CLUSTER_NAME", cluster.clusterName);
    env.put("HERALD_CLUSTER_PORT", Integer.toString(cluster.clusterPort));
    env.put("HERALD_JWT_SECRET", cluster.jwtSecret);
    env.put("HERALD_PG_URL", cluster.pgUrl);
    env.put("HERALD_NODE_EVENT_LOOPS", "2");
    Process p = pb.start();
    LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          lines.add(line);
          log.add(line);
        }
      } catch (IOException ignored) {
        // the process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      String line;
      do {
        line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } while (line != null && !line.contains("ready:"));
      assertThat(line).as("the node never said ready; output:%n%s", String.join("\n", log)).isNotNull();
      assertThat(Http.get(port, "/health/ready", null).status()).isEqualTo(200);
      p.toHandle().destroy(); // SIGTERM
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
      assertThat(String.join("\n", log)).contains("left the cluster");
    } finally {
      p.destroyForcibly();
    }
  }
}

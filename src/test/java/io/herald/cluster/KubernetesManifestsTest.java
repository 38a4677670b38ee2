package io.herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.herald.HeraldNode;
import io.herald.config.ConfigLoader;
import io.herald.config.HeraldConfig;
import io.herald.metrics.Health;
import io.herald.metrics.ManagementVerticle;
import io.herald.test.TestNodes;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The k8s/ kustomize base and example overlay, parsed as YAML and checked against the code: ports,
 * probe and hook paths, the configuration they set, label selectors, the stop bound against the
 * grace period. Renaming a port, a path or a configuration key breaks this test.
 */
@DisplayName("k8s/: the manifests agree with the code")
class KubernetesManifestsTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Path BASE = Path.of("k8s/base");

  /** Every YAML file under k8s/. */
  static List<File> yamlFiles() throws IOException {
    try (Stream<Path> files = Files.walk(Path.of("k8s"))) {
      return files.filter(p -> p.toString().endsWith(".yaml")).map(Path::toFile).sorted().toList();
    }
  }

  private static JsonNode read(String file) throws IOException {
    return YAML.readTree(BASE.resolve(file).toFile());
  }

  private static JsonNode container() throws IOException {
    JsonNode containers = read("deployment.yaml").at("/spec/template/spec/containers");
    assertThat(containers.size()).isEqualTo(1);
    return containers.get(0);
  }

  private static Map<String, Integer> containerPorts() throws IOException {
    Map<String, Integer> ports = new HashMap<>();
    for (JsonNode p : container().path("ports")) {
      ports.put(p.path("name").asText(), p.path("containerPort").asInt());
    }
    return ports;
  }

  /**
   * The configuration a pod runs with: the image's defaults, the ConfigMap's herald.yaml (through
   * HERALD_CONFIG, as the Deployment mounts it), the Deployment's literal HERALD_* values and the
   * example Secret's.
   */
  static HeraldConfig podConfig() throws IOException {
    Path dir = Files.createTempDirectory("herald-k8s");
    Path file = dir.resolve("herald.yaml");
    Files.writeString(file, read("configmap.yaml").at("/data/herald.yaml").asText());
    Map<String, String> env = new HashMap<>();
    for (JsonNode e : container().path("env")) {
      String name = e.path("name").asText();
      if (name.startsWith("HERALD_") && e.has("value") && !e.path("value").asText().contains("$(")) {
        env.put(name, e.path("value").asText());
      }
    }
    read("secret.example.yaml").path("stringData").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
    assertThat(env.get("HERALD_CONFIG")).isEqualTo("/etc/herald/herald.yaml");
    assertThat(container().at("/volumeMounts/0/mountPath").asText()).isEqualTo("/etc/herald");
    env.put("HERALD_CONFIG", file.toString());
    return ConfigLoader.load(env, dir, Map.of());
  }

  @Test
  @DisplayName("the kustomization lists every manifest of the base but the Secret example, and the overlay builds on it")
  void kustomizations() throws IOException {
    List<String> listed = new ArrayList<>();
    read("kustomization.yaml").path("resources").forEach(r -> listed.add(r.asText()));
    try (Stream<Path> files = Files.list(BASE)) {
      List<String> manifests = files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml") && !n.equals("secret.example.yaml")).toList();
      assertThat(listed).containsExactlyInAnyOrderElementsOf(manifests);
    }
    JsonNode overlay = YAML.readTree(new File("k8s/overlays/example/kustomization.yaml"));
    List<String> resources = new ArrayList<>();
    overlay.path("resources").forEach(r -> resources.add(r.asText()));
    assertThat(resources).contains("../../base", "servicemonitor.yaml", "ingress.yaml");
    for (String r : resources) {
      assertThat(Path.of("k8s/overlays/example").resolve(r)).exists();
    }
  }

  @Test
  @DisplayName("the ConfigMap's herald.yaml loads (every key real and valid), and the ports are the configured ones")
  void configAndPorts() throws IOException {
    HeraldConfig config = podConfig();
    Map<String, Integer> ports = containerPorts();
    assertThat(ports).containsEntry("http", config.httpPort)
        .containsEntry("metrics", config.metricsPort)
        .containsEntry("hazelcast", config.clusterPort)
        .containsEntry("eventbus", config.clusterEventBusPort);
    assertThat(config.metricsPort).isNotZero(); // the management server: probes' and preStop's port
    assertThat(config.jsonLogs()).isTrue();
    assertThat(config.clusterEventBusPort).isNotZero(); // the NetworkPolicy must name it
  }

  @Test
  @DisplayName("probes and the preStop hook call Herald's paths on named ports, and the grace period outlasts the stop")
  void probesAndDrain() throws IOException {
    JsonNode c = container();
    assertThat(c.at("/livenessProbe/httpGet/path").asText()).isEqualTo(Health.LIVE_PATH);
    assertThat(c.at("/readinessProbe/httpGet/path").asText()).isEqualTo(Health.READY_PATH);
    assertThat(c.at("/lifecycle/preStop/httpGet/path").asText()).isEqualTo(ManagementVerticle.DRAIN_PATH);
    assertThat(c.at("/lifecycle/preStop/httpGet/port").asText()).isEqualTo("metrics");
    Map<String, Integer> ports = containerPorts();
    assertThat(ports).containsKeys(c.at("/livenessProbe/httpGet/port").asText(), c.at("/readinessProbe/httpGet/port").asText());
    long graceMs = read("deployment.yaml").at("/spec/template/spec/terminationGracePeriodSeconds").asLong() * 1000;
    assertThat(graceMs).isGreaterThan(HeraldNode.stopBoundMs(podConfig()));
    assertThat(c.at("/resources/requests/cpu").isMissingNode()).isFalse();
    assertThat(c.at("/resources/limits/memory").isMissingNode()).isFalse();
    assertThat(read("deployment.yaml").at("/spec/template/spec/securityContext/runAsNonRoot").asBoolean()).isTrue();
  }

  @Test
  @DisplayName("the Services, the PDB, the HPA and the NetworkPolicy select the Deployment's pods and name its ports")
  void selectorsAndPorts() throws IOException {
    JsonNode deployment = read("deployment.yaml");
    JsonNode podLabels = deployment.at("/spec/template/metadata/labels");
    assertSelects(deployment.at("/spec/selector/matchLabels"), podLabels);
    Map<String, Integer> ports = containerPorts();
    for (String file : List.of("service.yaml", "service-hazelcast.yaml")) {
      JsonNode svc = read(file);
      assertSelects(svc.at("/spec/selector"), podLabels);
      for (JsonNode p : svc.at("/spec/ports")) {
        JsonNode target = p.path("targetPort");
        if (target.isTextual()) {
          assertThat(ports).as("%s targets port %s", file, target.asText()).containsKey(target.asText());
        } else {
          assertThat(ports).as("%s targets port %s", file, target).containsValue(target.asInt());
        }
      }
    }
    assertThat(read("service-hazelcast.yaml").at("/spec/clusterIP").asText()).isEqualTo("None");
    assertSelects(read("pdb.yaml").at("/spec/selector/matchLabels"), podLabels);

    JsonNode hpa = read("hpa.yaml");
    assertThat(hpa.at("/spec/scaleTargetRef/kind").asText()).isEqualTo("Deployment");
    assertThat(hpa.at("/spec/scaleTargetRef/name").asText()).isEqualTo(deployment.at("/metadata/name").asText());
    HeraldConfig config = podConfig();
    boolean connections = false;
    for (JsonNode m : hpa.at("/spec/metrics")) {
      if (m.at("/pods/metric/name").asText().equals("herald_connections")) {
        connections = true;
        assertThat(Integer.parseInt(m.at("/pods/target/averageValue").asText())).isLessThan(config.maxConnectionsPerNode);
      }
    }
    assertThat(connections).as("the HPA scales on herald_connections").isTrue();

    JsonNode policy = read("networkpolicy.yaml");
    assertSelects(policy.at("/spec/podSelector/matchLabels"), podLabels);
    List<Integer> clusterPorts = new ArrayList<>();
    for (JsonNode rule : policy.at("/spec/ingress")) {
      JsonNode members = rule.at("/from/0/podSelector/matchLabels");
      if (!members.isMissingNode()) {
        assertSelects(members, podLabels); // Herald pods may reach each other
        rule.path("ports").forEach(p -> clusterPorts.add(p.path("port").asInt()));
      }
    }
    assertThat(clusterPorts).containsExactlyInAnyOrder(config.clusterPort, config.clusterEventBusPort);
  }

  @Test
  @DisplayName("the overlay's ServiceMonitor scrapes a port of a Service that selects the pods, and its Ingress a real Service port")
  void overlay() throws IOException {
    JsonNode monitor = YAML.readTree(new File("k8s/overlays/example/servicemonitor.yaml"));
    JsonNode headless = read("service-hazelcast.yaml");
    assertSelects(monitor.at("/spec/selector/matchLabels"), headless.at("/metadata/labels"));
    List<String> servicePorts = new ArrayList<>();
    headless.at("/spec/ports").forEach(p -> servicePorts.add(p.path("name").asText()));
    assertThat(servicePorts).contains(monitor.at("/spec/endpoints/0/port").asText());
    assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo(io.herald.metrics.MetricsEndpoint.PATH);

    JsonNode backend = YAML.readTree(new File("k8s/overlays/example/ingress.yaml")).at("/spec/rules/0/http/paths/0/backend/service");
    JsonNode service = read("service.yaml");
    assertThat(backend.path("name").asText()).isEqualTo(service.at("/metadata/name").asText());
    List<String> names = new ArrayList<>();
    service.at("/spec/ports").forEach(p -> names.add(p.path("name").asText()));
    assertThat(names).contains(backend.at("/port/name").asText());
  }

  @Test
  @DisplayName("the overlay's ConfigMap patch is a valid configuration too")
  void overlayConfig() throws IOException {
    JsonNode overlay = YAML.readTree(new File("k8s/overlays/example/kustomization.yaml"));
    for (JsonNode patch : overlay.path("patches")) {
      if (patch.at("/target/kind").asText().equals("ConfigMap")) {
        JsonNode ops = YAML.readTree(patch.path("patch").asText());
        Path dir = Files.createTempDirectory("herald-k8s");
        Files.writeString(dir.resolve("herald.yaml"), ops.get(0).path("value").asText());
        HeraldConfig config = ConfigLoader.load(Map.of("HERALD_CONFIG", dir.resolve("herald.yaml").toString(),
            "HERALD_JWT_SECRET", TestNodes.SECRET), dir, Map.of());
        assertThat(containerPorts()).containsEntry("metrics", config.metricsPort)
            .containsEntry("eventbus", config.clusterEventBusPort);
      }
    }
  }

  @Test
  @DisplayName("kubectl kustomize builds the overlay into every kind the base and the overlay declare (when kubectl is installed)")
  void kustomizeBuilds() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not installed");
    Process p = new ProcessBuilder("kubectl", "kustomize", "k8s/overlays/example").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    List<String> kinds = new ArrayList<>();
    try (com.fasterxml.jackson.databind.MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(out)) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        kinds.add(doc.path("kind").asText());
        assertThat(doc.at("/metadata/namespace").asText()).isEqualTo("herald");
        if (doc.path("kind").asText().equals("Deployment")) {
          assertThat(doc.at("/spec/template/spec/containers/0/image").asText()).isEqualTo("registry.example.com/herald:0.1.0");
        }
      }
    }
    assertThat(kinds).containsExactlyInAnyOrder("ConfigMap", "Service", "Service", "Deployment", "PodDisruptionBudget",
        "HorizontalPodAutoscaler", "NetworkPolicy", "ServiceMonitor", "Ingress");
  }

  private static boolean onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }

  /** Every label of {@code selector} is on {@code labels} with the same value. */
  private static void assertSelects(JsonNode selector, JsonNode labels) {
    assertThat(selector.size()).as("an empty selector").isPositive();
    for (Iterator<Map.Entry<String, JsonNode>> it = selector.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      assertThat(labels.path(e.getKey()).asText()).as("label %s", e.getKey()).isEqualTo(e.getValue().asText());
    }
  }
}

package io.herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.hazelcast.config.Config;
import io.herald.ClusterSetup;
import com.hazelcast.config.JoinConfig;
import io.herald.config.ConfigLoader;
import io.herald.config.HeraldConfig;
import java.io.File;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("cluster set-up and the k8s/ manifests")
class DeploymentConfigTest {
  static HeraldConfig config(Map<String, Object> overrides) {
    Map<String, Object> o = new java.util.HashMap<>(overrides);
    o.put("jwt.secret", io.herald.test.TestNodes.SECRET);
    return ConfigLoader.load(Map.of(), Path.of("target/no-config-here"), o);
  }

  @Test
  @DisplayName("by default members are joined over TCP/IP on the configured list; multicast is off")
  void tcpIp() {
    JoinConfig join = ClusterSetup.hazelcastConfig(config(Map.of("cluster.members", java.util.List.of("10.0.0.5", "10.0.0.6"))))
        .getNetworkConfig().getJoin();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().getMembers()).containsExactly("10.0.0.5", "10.0.0.6");
    assertThat(join.getKubernetesConfig().isEnabled()).isFalse();
  }

  @Test
  @DisplayName("with cluster.kubernetes-service-dns members are discovered through the headless service")
  void kubernetes() {
    Config hz = ClusterSetup.hazelcastConfig(config(Map.of("cluster.kubernetes-service-dns", "herald-hazelcast.default.svc.cluster.local")));
    JoinConfig join = hz.getNetworkConfig().getJoin();
    assertThat(join.getTcpIpConfig().isEnabled()).isFalse();
    assertThat(join.getKubernetesConfig().isEnabled()).isTrue();
    assertThat(join.getKubernetesConfig().getProperty("service-dns")).isEqualTo("herald-hazelcast.default.svc.cluster.local");
  }

  @Test
  @DisplayName("every HERALD_* variable the manifests set is a real configuration key")
  void manifestsUseRealKeys() throws Exception {
    Set<String> known = new HashSet<>();
    ConfigLoader.defaults().keySet().forEach(k -> known.add(ConfigLoader.envName(k)));
    known.add("HERALD_CONFIG"); // names the config file
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    Set<String> used = new HashSet<>();
    for (File f : KubernetesManifestsTest.yamlFiles()) {
      JsonNode doc = yaml.readTree(f);
      assertThat(doc.path("kind").asText()).as(f.getName()).isNotEmpty();
      collect(doc, used);
    }
    assertThat(used).isNotEmpty();
    assertThat(known).containsAll(used);
  }

  @Test
  @DisplayName("an env value's $(VAR) refers to a variable defined before it (Kubernetes expands only those)")
  void envReferencesDefinedEarlier() throws Exception {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    JsonNode containers = yaml.readTree(new File("k8s/base/deployment.yaml")).path("spec").path("template").path("spec").path("containers");
    assertThat(containers.size()).isPositive();
    java.util.regex.Pattern ref = java.util.regex.Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    for (JsonNode container : containers) {
      Set<String> defined = new HashSet<>();
      for (JsonNode env : container.path("env")) {
        java.util.regex.Matcher m = ref.matcher(env.path("value").asText(""));
        while (m.find()) {
          assertThat(defined).as("%s refers to $(%s)", env.path("name").asText(), m.group(1)).contains(m.group(1));
        }
        defined.add(env.path("name").asText());
      }
    }
  }

  private static void collect(JsonNode node, Set<String> used) {
    if (node.isObject()) {
      node.fields().forEachRemaining(e -> {
        if (e.getKey().startsWith("HERALD_")) {
          used.add(e.getKey());
        }
        collect(e.getValue(), used);
      });
      JsonNode name = node.get("name");
      if (name != null && name.isTextual() && name.asText().startsWith("HERALD_")) {
        used.add(name.asText());
      }
    } else if (node.isArray()) {
      node.forEach(n -> collect(n, used));
    }
  }
}

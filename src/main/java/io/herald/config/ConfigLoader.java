package io.herald.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the layered configuration into a flat map of dotted keys ({@code jwt.secret}).
 *
 * <p>Layers, each overriding the one before: the defaults packed in the jar ({@code herald.yaml},
 * a copy of {@code conf/herald.yaml}); a config file ({@code HERALD_CONFIG}, else {@code
 * conf/herald.yaml} or {@code conf/herald.json} in the working directory); environment variables
 * ({@code HERALD_} + key, upper case, '.' and '-' as '_'); programmatic overrides (tests). Only keys
 * present in the defaults exist: any other key in a file or override is an error, so a typo never
 * passes silently.
 */
public final class ConfigLoader {
  static final String DEFAULTS_RESOURCE = "herald.yaml";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();

  private ConfigLoader() {}

  /** The environment variable that overrides {@code key}. */
  public static String envName(String key) {
    return "HERALD_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** Loads the configuration the way the node does at start-up. Blocking (reads files). */
  public static HeraldConfig load(Map<String, String> env, Path workDir, Map<String, Object> overrides) {
    Map<String, Object> values = defaults();
    Path file = configFile(env, workDir);
    if (file != null) {
      merge(values, readFile(file), "in " + file);
    }
    for (String key : List.copyOf(values.keySet())) {
      String v = env.get(envName(key));
      if (v != null) {
        values.put(key, values.get(key) instanceof List ? splitList(v) : v);
      }
    }
    merge(values, overrides, "in overrides");
    return new HeraldConfig(values);
  }

  /** The defaults alone: every key that exists. */
  public static Map<String, Object> defaults() {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(DEFAULTS_RESOURCE + " is missing from the classpath");
      }
      Map<String, Object> flat = new LinkedHashMap<>();
      flatten("", YAML.readTree(in), flat);
      return flat;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path configFile(Map<String, String> env, Path workDir) {
    String named = env.get("HERALD_CONFIG");
    if (named != null && !named.isBlank()) {
      Path p = workDir.resolve(named);
      if (!Files.isRegularFile(p)) {
        throw new ConfigException("HERALD_CONFIG names " + p + ", which is not a readable file");
      }
      return p;
    }
    for (String name : List.of("conf/herald.yaml", "conf/herald.yml", "conf/herald.json")) {
      Path p = workDir.resolve(name);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }

  private static Map<String, Object> readFile(Path file) {
    ObjectMapper mapper = file.toString().endsWith(".json") ? JSON : YAML;
    try {
      JsonNode root = mapper.readTree(file.toFile());
      Map<String, Object> flat = new LinkedHashMap<>();
      if (root == null || root.isMissingNode() || root.isNull()) {
        return flat;
      }
      if (!root.isObject()) {
        throw new ConfigException(file + ": the top level must be a mapping of keys");
      }
      flatten("", root, flat);
      return flat;
    } catch (IOException e) {
      throw new ConfigException(file + " cannot be parsed: " + e.getMessage());
    }
  }

  private static void merge(Map<String, Object> values, Map<String, Object> layer, String where) {
    for (Map.Entry<String, Object> e : layer.entrySet()) {
      if (!values.containsKey(e.getKey())) {
        throw new ConfigException("Unknown configuration key '" + e.getKey() + "' " + where);
      }
      values.put(e.getKey(), e.getValue());
    }
  }

  private static void flatten(String prefix, JsonNode node, Map<String, Object> out) {
    if (node.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        String key = prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey();
        flatten(key, f.getValue(), out);
      }
      return;
    }
    if (node.isArray()) {
      List<String> list = new ArrayList<>();
      node.forEach(n -> list.add(n.asText()));
      out.put(prefix, list);
    } else if (node.isNull()) {
      out.put(prefix, "");
    } else if (node.isIntegralNumber() && node.canConvertToLong()) {
      out.put(prefix, node.asLong());
    } else if (node.isBoolean()) {
      out.put(prefix, node.asBoolean());
    } else if (node.isValueNode()) {
      // Text, and numbers that are not integers or do not fit a long: kept as written, so
      // "port: 8080.9" is reported as not an integer instead of being truncated to 8080.
      out.put(prefix, node.asText());
    } else {
      out.put(prefix, node.toString());
    }
  }

  static List<String> splitList(String v) {
    List<String> out = new ArrayList<>();
    for (String part : v.split(",")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return out;
  }

}

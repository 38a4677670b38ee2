package io.herald.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.config.ConfigException;
import io.herald.config.ConfigLoader;
import io.herald.test.TestNodes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The configuration loader under arbitrary environment values: a configuration, or an error naming the key. */
@Label("configuration under arbitrary values")
class ConfigPropertyTest {
  private static final List<String> KEYS = new ArrayList<>(ConfigLoader.defaults().keySet());

  @Property(tries = 3000)
  @Label("any value for any key loads, or fails with a ConfigException that names that key")
  void anyValue(@ForAll("keys") String key, @ForAll("values") String value) {
    String env = ConfigLoader.envName(key);
    try {
      Map<String, String> vars = new java.util.HashMap<>();
      vars.put("HERALD_JWT_SECRET", TestNodes.SECRET);
      vars.put(env, value);
      ConfigLoader.load(vars, Path.of("target/no-config-here"), Map.of());
    } catch (ConfigException e) {
      // a value wrong on its own names its variable; one that breaks a rule between two keys names both keys
      assertThat(e.getMessage()).as("the error for %s=%s", env, value).containsAnyOf(env, key);
    }
  }

  @Provide
  Arbitrary<String> keys() {
    return Arbitraries.of(KEYS);
  }

  @Provide
  Arbitrary<String> values() {
    return Arbitraries.oneOf(
        Arbitraries.of("", " ", "0", "-1", "1", "65536", "99999999999999999999", "true", "false", "yes", "1.5", "NaN",
            "a,b", ",", "/x,/y", "/ws a=b", "http://x", "https://auth.example.com/jwks.json", "postgresql://u:p@h/db",
            "auto", "json", "text", "\u0000", "${HOME}"),
        Arbitraries.strings().ofMaxLength(30),
        Arbitraries.integers().map(String::valueOf));
  }
}

package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.config.ConfigException;
import io.herald.config.ConfigLoader;
import io.herald.config.HeraldConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("pg.* and retention.* configuration")
class StoreConfigTest {
  static final Path NO_FILE = Path.of("target/no-config-here");

  @Test
  @DisplayName("defaults: embedded PostgreSQL, pool of 8, 5 s timeout, 30 days / 1000 per user hourly")
  void defaults() {
    HeraldConfig c = ConfigLoader.load(Map.of(), NO_FILE, Map.of());
    assertThat(c.pgUrl).isEmpty();
    assertThat(c.pgPoolSize).isEqualTo(8);
    assertThat(c.pgTimeoutMs).isEqualTo(5000);
    assertThat(c.pgEmbeddedDataDir).isEqualTo("./data/pg");
    assertThat(c.pgEmbeddedPort).isZero();
    assertThat(c.retentionMaxAgeDays).isEqualTo(30);
    assertThat(c.retentionMaxPerUser).isEqualTo(1000);
    assertThat(c.retentionIntervalMs).isEqualTo(3_600_000);
  }

  @Test
  @DisplayName("HERALD_PG_URL sets the URL, and describe() masks its password")
  void urlFromEnvironment() {
    HeraldConfig c = ConfigLoader.load(Map.of("HERALD_PG_URL", "postgresql://herald:s3cret@db:5432/herald"), NO_FILE, Map.of());
    assertThat(c.pgUrl).isEqualTo("postgresql://herald:s3cret@db:5432/herald");
    assertThat(c.describe().get("pg.url")).isEqualTo("postgresql://herald:***@db:5432/herald");
  }

  @Test
  @DisplayName("a bad value names the key and its environment variable")
  void validation() {
    assertThatThrownBy(() -> ConfigLoader.load(Map.of(), NO_FILE, Map.of("pg.url", "mysql://x:y@h/db")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("pg.url (HERALD_PG_URL)");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of(), NO_FILE, Map.of("pg.pool-size", 0)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("pg.pool-size (HERALD_PG_POOL_SIZE)");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("HERALD_RETENTION_MAX_PER_USER", "lots"), NO_FILE, Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("retention.max-per-user");
  }
}

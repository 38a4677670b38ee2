package io.herald;

import io.herald.config.ConfigException;
import io.herald.config.ConfigLoader;
import io.herald.config.HeraldConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of {@code herald.jar}.
 *
 * <pre>
 *   java -jar herald.jar            start a node
 *   java -jar herald.jar token ...  mint a development JWT (scripts/token)
 *   java -jar herald.jar vapid-keys print a new Web Push VAPID key pair (scripts/vapid-keys)
 * </pre>
 */
public final class Herald {
  private static final Logger log = LoggerFactory.getLogger(Herald.class);

  private Herald() {}

  public static void main(String[] args) {
    try {
      if (args.length > 0 && args[0].equals("token")) {
        System.exit(TokenCommand.run(Arrays.copyOfRange(args, 1, args.length), System.getenv()));
      }
      if (args.length > 0 && args[0].equals("vapid-keys")) {
        System.exit(vapidKeys());
      }
      if (args.length > 0 && !args[0].equals("run")) {
        System.err.println("usage: herald [run] | herald token --sub USER [--roles r1,r2] [--rooms p1,p2] [--ttl 1h]"
            + " | herald vapid-keys");
        System.exit(2);
      }
      runNode();
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      System.exit(78); // EX_CONFIG
    }
  }

  /** Loads the config the way every command does, including the development secret. */
  static HeraldConfig loadConfig(Map<String, String> env) {
    HeraldConfig config = ConfigLoader.load(env, Path.of("").toAbsolutePath(), Map.of());
    if (!config.hasSigningKey()) {
      if (!config.devMode) {
        throw new ConfigException("No JWT signing key: set jwt.secret (HERALD_JWT_SECRET), jwt.public-key "
            + "(HERALD_JWT_PUBLIC_KEY) or jwt.jwks-url (HERALD_JWT_JWKS_URL). For local development, "
            + "start with scripts/run, which uses dev-mode (HERALD_DEV_MODE=true).");
      }
      config = config.withJwtSecret(DevSecret.loadOrCreate(Path.of(config.dataDir)));
    }
    return config;
  }

  /** Prints a new VAPID pair as environment assignments, ready for an env file. */
  private static int vapidKeys() {
    try {
      String[] pair = io.herald.push.webpush.VapidKeys.generate();
      System.out.println("HERALD_VAPID_PUBLIC_KEY=" + pair[0]);
      System.out.println("HERALD_VAPID_PRIVATE_KEY=" + pair[1]);
      return 0;
    } catch (java.security.GeneralSecurityException e) {
      System.err.println("cannot generate a P-256 key pair: " + e.getMessage());
      return 1;
    }
  }

  private static void runNode() {
    HeraldConfig config = loadConfig(System.getenv());
    io.herald.logging.Logs.configure(config);
    if (config.devMode) {
      log.warn("Development mode: JWT secret in {}/jwt-secret. Mint a token: ./scripts/token --sub alice "
          + "(service token: ./scripts/token --sub backend --roles service)", config.dataDir);
    }
    log.info("configuration (secrets masked): {}", config.describe());
    HeraldNode node;
    try {
      node = HeraldNode.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.error("Herald failed to start", e);
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("SIGTERM: draining connections and leaving the cluster");
      try {
        node.stop().toCompletionStage().toCompletableFuture().get(HeraldNode.stopBoundMs(config), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        log.warn("shutdown did not finish cleanly: {}", e.toString());
      }
    }, "herald-shutdown"));
  }
}

package io.herald.bench;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Facts about the machine, the JVM and the versions under test, for results.json. */
final class Machine {
  private Machine() {}

  static JsonObject describe() {
    return new JsonObject()
        .put("cpu", firstLine("/proc/cpuinfo", "model name"))
        .put("cores", Runtime.getRuntime().availableProcessors())
        .put("memTotal", firstLine("/proc/meminfo", "MemTotal"))
        .put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version"))
        .put("openFileLimit", command("sh", "-c", "ulimit -n"))
        .put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"))
        .put("versions", new JsonObject()
            .put("herald", command("git", "describe", "--always", "--dirty"))
            .put("vertx", resource("META-INF/vertx/vertx-version.txt"))
            .put("node", command("node", "--version"))
            .put("socket.io", socketIoVersion()));
  }

  private static String firstLine(String file, String prefix) {
    try {
      return Files.readAllLines(Path.of(file)).stream().filter(l -> l.startsWith(prefix))
          .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  private static String resource(String name) {
    try (InputStream in = Vertx.class.getClassLoader().getResourceAsStream(name)) {
      return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return null;
    }
  }

  private static String socketIoVersion() {
    try {
      return new JsonObject(Files.readString(Path.of("src/test/js/node_modules/socket.io/package.json"))).getString("version");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static String command(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor(10, TimeUnit.SECONDS) ? out : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}

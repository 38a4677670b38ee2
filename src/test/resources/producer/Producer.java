import com.hazelcast.config.Config;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.concurrent.TimeUnit;

/**
 * A backend's clustered verticle host WITHOUT Herald on its classpath (run by ForeignProducerTest
 * as a single-file Java program): joins the cluster as a full Hazelcast member, sends one event to
 * a user through herald.send.user, prints the reply, and leaves.
 * Args: clusterName clusterPort userId
 */
public class Producer {
  public static void main(String[] args) throws Exception {
    System.setProperty("hazelcast.logging.type", "none");
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(args[0]);
    hz.setProperty("hazelcast.wait.seconds.before.join", "0");
    hz.setProperty("hazelcast.tcp.join.port.try.count", "10");
    hz.getNetworkConfig().setPort(Integer.parseInt(args[1])).setPortAutoIncrement(true);
    hz.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    hz.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    hz.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    hz.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true).addMember("127.0.0.1");
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setPort(0)))
        .withClusterManager(new HazelcastClusterManager(hz))
        .buildClustered().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    System.out.println("producer joined");
    // Wait for the test to say when (so Herald's partitions migrate to this member meanwhile).
    new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
    JsonObject body = new JsonObject().put("userId", args[2]).put("event", "from-producer").put("data", new JsonObject().put("ok", true));
    Object reply = vertx.eventBus().request("herald.send.user", body)
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body();
    System.out.println("reply " + reply);
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    System.out.println("producer left");
  }
}

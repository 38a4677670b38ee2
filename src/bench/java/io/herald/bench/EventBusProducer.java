package io.herald.bench;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.herald.cluster.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The bench JVM as a member of a Herald cluster, the way a backend service joins it to publish over
 * the event bus (docs/event-bus.md): a clustered Vert.x with the same cluster name, TCP/IP join on
 * the Herald nodes' loopback addresses, and Herald's heartbeat settings. It joins as a Hazelcast
 * lite member, so it holds none of Herald's cluster state and its leaving moves no partition.
 */
final class EventBusProducer implements AutoCloseable {
  private final Vertx vertx;

  private EventBusProducer(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Joins {@code cluster} and waits (at most {@code timeoutMs}) until a Herald node answers on
   * {@code herald.send.room}, which also opens the event-bus connection to it.
   */
  static EventBusProducer join(HeraldCluster cluster, Vertx control, long timeoutMs) {
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(cluster.clusterName);
    hz.setLiteMember(true);
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.wait.seconds.before.join", "0");
    hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
    hz.setProperty("hazelcast.socket.bind.any", "false");
    hz.getNetworkConfig().setPort(cluster.producerPort()).setPortAutoIncrement(true);
    hz.getNetworkConfig().getInterfaces().setEnabled(true).clear().addInterface("127.0.0.1");
    JoinConfig join = hz.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members());
    Vertx vertx;
    try {
      vertx = Vertx.builder()
          .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setPort(0)))
          .withClusterManager(new HazelcastClusterManager(hz))
          .buildClustered()
          .await(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the bench could not join Herald's cluster " + cluster.members() + " within "
          + timeoutMs + " ms", e);
    }
    EventBusProducer producer = new EventBusProducer(vertx);
    try {
      producer.awaitHerald(control, timeoutMs);
    } catch (RuntimeException e) {
      producer.close();
      throw e;
    }
    return producer;
  }

  private void awaitHerald(Vertx control, long timeoutMs) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    JsonObject probe = new JsonObject().put("room", "bench:probe").put("event", "probe");
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        vertx.eventBus().request(Addresses.SEND_ROOM, probe, new DeliveryOptions().setSendTimeout(5000))
            .await(10, TimeUnit.SECONDS);
        return;
      } catch (Exception e) {
        last = e; // no handler yet: the subscriptions reach this member shortly after it joins
      }
      control.timer(200).await();
    }
    throw new IllegalStateException("no Herald node answered on " + Addresses.SEND_ROOM + " within " + timeoutMs
        + " ms after the bench joined the cluster: " + last);
  }

  Vertx vertx() {
    return vertx;
  }

  /** Leaves the cluster (bounded). */
  @Override
  public void close() {
    try {
      vertx.close().await(30, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the bench did not leave Herald's cluster within 30 s", e);
    }
  }
}

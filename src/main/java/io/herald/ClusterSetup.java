package io.herald;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MultiMapConfig;
import io.herald.room.HazelcastRoomDirectory;
import com.hazelcast.config.NetworkConfig;
import io.herald.config.HeraldConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;

/** Builds the Hazelcast member configuration from Herald's config: TCP/IP join, no multicast. */
public final class ClusterSetup {
  private ClusterSetup() {}

  /** The member attribute every Herald node carries ({@code node}); producer members do not. */
  public static final String HERALD_MEMBER_ATTRIBUTE = "herald.role";

  public static Config hazelcastConfig(HeraldConfig config) {
    Config hz = ConfigUtil.loadConfig(); // keeps the __vertx.* map settings Vert.x relies on
    hz.getMemberAttributeConfig().setAttribute(HERALD_MEMBER_ATTRIBUTE, "node");
    hz.setClusterName(config.clusterName);
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.wait.seconds.before.join", "0");
    // Herald leaves the cluster itself on SIGTERM, after draining its sockets.
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    hz.setProperty("hazelcast.socket.bind.any", "false");
    // A crashed member is suspected after this long without heartbeats (default 60 s).
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
    hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    // A joining member can miss the first partition table; the master republishes it this often
    // (default 15 s, during which the new member's map operations wait).
    hz.setProperty("hazelcast.partition.table.send.interval", "2");
    // A member listed without a port is looked for on cluster.port and the next 9 ports, so up to
    // ten nodes on one host find each other (scripts/cluster, tests).
    hz.setProperty("hazelcast.tcp.join.port.try.count", "10");
    hz.getMultiMapConfig(HazelcastRoomDirectory.NODE_ROOMS).setValueCollectionType(MultiMapConfig.ValueCollectionType.SET);
    // A user's rate-limit bucket is full again long before this; the entry then goes.
    hz.getMapConfig(io.herald.presence.UserRateLimits.MAP).setTimeToLiveSeconds(io.herald.presence.UserRateLimits.TTL_SECONDS);
    NetworkConfig net = hz.getNetworkConfig();
    net.setPort(config.clusterPort).setPortAutoIncrement(true).setPortCount(100);
    net.getInterfaces().setEnabled(true).clear().addInterface(config.clusterHost);
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (config.clusterKubernetesServiceDns.isEmpty()) {
      join.getTcpIpConfig().setEnabled(true).setMembers(config.clusterMembers);
    } else {
      // On Kubernetes, members are the addresses behind a headless service (k8s/).
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(true)
          .setProperty("service-dns", config.clusterKubernetesServiceDns)
          .setProperty("service-port", Integer.toString(config.clusterPort));
    }
    return hz;
  }
}

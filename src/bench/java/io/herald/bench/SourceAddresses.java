package io.herald.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Hands out loopback source addresses (127.0.0.2 to 127.0.0.254, then round again) so that
 * consecutive connect runs and concurrent load workers do not share one address's ephemeral ports
 * (~28k each, some still in TIME_WAIT after the previous run).
 */
final class SourceAddresses {
  private static final int FIRST = 2;
  private static final int LAST = 254;
  private int next = FIRST;

  synchronized String next() {
    String address = "127.0.0." + next;
    next = next == LAST ? FIRST : next + 1;
    return address;
  }

  /** Enough addresses for {@code connections} in one process ({@link LoadClient#CONNECTIONS_PER_SOURCE} each). */
  List<String> forConnections(int connections) {
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < LoadClient.sourcesFor(connections); i++) {
      addresses.add(next());
    }
    return addresses;
  }
}

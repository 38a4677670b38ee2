package io.herald.presence;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("a user's presence entry (one String in herald.presence.users)")
class UserPresenceTest {
  @Test
  @DisplayName("round-trips the time and every connection, including none")
  void roundTrip() {
    for (List<String> connections : List.of(List.<String>of(), List.of("node-a\u0001s1"),
        List.of("node-a\u0001s1", "node-b\u0001s2", "node-a\u0001s3"))) {
      PresenceManager.UserPresence p = new PresenceManager.UserPresence(1_795_307_667_021L, connections);
      assertThat(PresenceManager.UserPresence.decode(p.encode())).isEqualTo(p);
    }
    assertThat(PresenceManager.UserPresence.decode(null)).isNull();
  }
}

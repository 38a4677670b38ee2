package io.herald.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ReservedEventsTest {
  /** Where the server names an event it sends: frame factories and handler replies. */
  private static final Pattern SENT = Pattern.compile(
      "(?:ServerFrame\\.(?:event|reply|toRoom|stored)|new (?:EventHandlers\\.)?Reply|\\bok)\\(\\s*(?:now \\? )?\"([^\"]+)\"(?:\\s*:\\s*\"([^\"]+)\")?");

  @Test
  @DisplayName("every event name the server code sends is reserved: clients cannot publish it")
  void everySentEventIsReserved() throws IOException {
    Set<String> sent = new TreeSet<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher m = SENT.matcher(Files.readString(f));
        while (m.find()) {
          sent.add(m.group(1));
          if (m.group(2) != null) {
            sent.add(m.group(2));
          }
        }
      }
    }
    assertThat(sent).as("found the senders").contains("unread_count", "message:read", "typing:start", "typing:stop");
    assertThat(ReservedEvents.NAMES).containsAll(sent);
  }
}

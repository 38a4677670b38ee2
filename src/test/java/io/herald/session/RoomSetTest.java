package io.herald.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("a session's room set")
class RoomSetTest {
  @Test
  @DisplayName("behaves as a set below and above the size where it turns into a hash set, and back down")
  void setSemanticsAcrossTheThreshold() {
    RoomSet rooms = new RoomSet();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < RoomSet.SMALL * 2; i++) {
      String room = "room:" + i;
      names.add(room);
      assertThat(rooms.add(room)).isTrue();
      assertThat(rooms.add(new String(room))).as("a second add of an equal name").isFalse();
      assertThat(rooms.size()).isEqualTo(i + 1);
    }
    assertThat(rooms.snapshot()).containsExactlyInAnyOrderElementsOf(names);
    assertThat(rooms.count(r -> r.endsWith("1"))).isEqualTo(4); // 1, 11, 21, 31
    for (String room : rooms.snapshot()) {
      assertThat(rooms.contains(room)).isTrue();
      assertThat(rooms.remove(room)).isTrue();
      assertThat(rooms.remove(room)).isFalse();
      assertThat(rooms.contains(room)).isFalse();
    }
    assertThat(rooms.size()).isZero();
  }

  @Test
  @DisplayName("keeps the order-independent contents when rooms are removed from the middle of the array")
  void removeFromTheMiddle() {
    RoomSet rooms = new RoomSet();
    rooms.add("a");
    rooms.add("b");
    rooms.add("c");
    assertThat(rooms.remove("b")).isTrue();
    assertThat(rooms.snapshot()).containsExactly("a", "c");
    assertThat(rooms.contains("c")).isTrue();
    rooms.add("d");
    assertThat(rooms.snapshot()).containsExactly("a", "c", "d");
  }
}

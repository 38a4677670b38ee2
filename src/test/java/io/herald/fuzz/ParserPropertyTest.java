package io.herald.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.protocol.ClientRequest;
import io.herald.protocol.ProtocolException;
import io.herald.room.RoomPolicy;
import io.vertx.core.json.JsonObject;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

/**
 * Property-based tests of what clients send: every input gets a defined answer (a parsed value or
 * the protocol's own error), never another exception that would reach the event loop.
 */
@Label("parsers under arbitrary input")
class ParserPropertyTest {

  @Property(tries = 2000)
  @Label("a /ws text frame parses or is a ProtocolException with a code")
  void wsFrames(@ForAll("frames") String text) {
    try {
      ClientRequest r = ClientRequest.parse(text);
      assertThat(r.event()).isNotEmpty();
      assertThat(r.data()).isNotNull();
      assertThat(r.id() == null || r.id() instanceof Number || r.id() instanceof String).isTrue();
    } catch (ProtocolException e) {
      assertThat(e.code()).isNotNull();
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  @Property(tries = 500)
  @Label("any string, however odd, is a frame or a ProtocolException")
  void anyString(@ForAll @StringLength(max = 300) String text) {
    parsesOrRefuses(text);
  }

  @Property(tries = 200)
  @Label("deeply nested JSON is refused or parsed, never a stack overflow")
  void deepNesting(@ForAll("depths") int depth) {
    parsesOrRefuses("{\"event\":\"x\",\"data\":" + "{\"a\":".repeat(depth) + "1" + "}".repeat(depth) + "}");
  }

  /** A frame, or the protocol's error with a code: nothing else may escape the parser. */
  private static void parsesOrRefuses(String text) {
    try {
      ClientRequest.parse(text);
    } catch (ProtocolException e) {
      assertThat(e.code()).isNotNull();
    }
  }

  @Property(tries = 2000)
  @Label("a room name is valid exactly when it matches the documented pattern; matching never throws")
  void roomNames(@ForAll("roomNames") String room, @ForAll("roomNames") String pattern) {
    boolean wellFormed = room.matches("[A-Za-z0-9:_.@-]{1,128}");
    boolean accepted;
    try {
      RoomPolicy.validateName(room);
      accepted = true;
    } catch (ProtocolException e) {
      accepted = false;
      assertThat(e.code()).isNotNull();
    }
    assertThat(accepted).as("room %s", room).isEqualTo(wellFormed);
    RoomPolicy.matches(pattern + "*", room);
    RoomPolicy.matches(pattern, room);
    RoomPolicy.prefix(room);
  }

  @Provide
  Arbitrary<Integer> depths() {
    return Arbitraries.integers().between(1, 5000);
  }

  @Provide
  Arbitrary<String> roomNames() {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars("abcAZ09:_.@-*/ %\u00e9\u0000").ofMinLength(0).ofMaxLength(140),
        Arbitraries.strings().ofMinLength(0).ofMaxLength(20),
        Arbitraries.of("user:alice", "private:a:b", "presence:x", "course:1", "a".repeat(128), "a".repeat(129), ":", "*"));
  }

  /** Mostly JSON-shaped frames: right and wrong types in every field, truncations, garbage. */
  @Provide
  Arbitrary<String> frames() {
    Arbitrary<Object> values = Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(10).map(s -> (Object) s),
        Arbitraries.integers().map(i -> (Object) i),
        Arbitraries.doubles().map(d -> (Object) d),
        Arbitraries.of(true, false).map(b -> (Object) b),
        Arbitraries.just(new JsonObject().put("room", "course:1")),
        Arbitraries.just(new io.vertx.core.json.JsonArray().add(1).add("x")),
        Arbitraries.just(null));
    Arbitrary<String> objects = Combinators.combine(values, values, values, Arbitraries.of(true, false))
        .as((event, data, id, withId) -> {
          JsonObject o = new JsonObject().put("event", event).put("data", data);
          if (withId) {
            o.put("id", id);
          }
          return o.encode();
        });
    Arbitrary<String> truncated = objects.flatMap(s -> Arbitraries.integers().between(0, s.length()).map(n -> s.substring(0, n)));
    Arbitrary<String> garbage = Arbitraries.strings().ofMaxLength(60);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, objects),
        net.jqwik.api.Tuple.of(3, truncated),
        net.jqwik.api.Tuple.of(1, garbage),
        net.jqwik.api.Tuple.of(1, Arbitraries.of("[]", "null", "1", "\"x\"", "{}", "{\"event\":\"\"}", "{\"event\":\"a\",\"data\":[]}",
            "{\"event\":\"a\",\"id\":{}}", "\uFEFF{\"event\":\"a\"}")));
  }
}

package io.herald.gateway.transport.socketio;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The Socket.IO packet parser under arbitrary input: a packet, or IllegalArgumentException (answered CONNECT_ERROR or dropped). */
@Label("Socket.IO packets under arbitrary input")
class SocketIoPacketPropertyTest {

  @Property(tries = 3000)
  @Label("parses to a packet of a known type, or refuses with IllegalArgumentException")
  void packets(@ForAll("packets") String text) {
    try {
      SocketIoPacket p = SocketIoPacket.parse(text);
      assertThat(p.type()).isBetween(0, 6);
      assertThat(p.namespace()).startsWith("/");
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  @Property(tries = 500)
  @Label("what the server encodes, it parses back")
  void roundTrip(@ForAll("namespaces") String nsp, @ForAll("acks") Long ack, @ForAll("names") String event) {
    io.vertx.core.json.JsonArray payload = new io.vertx.core.json.JsonArray().add(event).add(new io.vertx.core.json.JsonObject().put("k", event));
    SocketIoPacket p = SocketIoPacket.parse(SocketIoPacket.encode(SocketIoPacket.EVENT, nsp, ack, payload));
    assertThat(p.type()).isEqualTo(SocketIoPacket.EVENT);
    assertThat(p.namespace()).isEqualTo(nsp);
    assertThat(p.ackId()).isEqualTo(ack);
    assertThat(p.payload()).isEqualTo(payload);
  }

  @Provide
  Arbitrary<String> namespaces() {
    return Arbitraries.oneOf(Arbitraries.just("/"), Arbitraries.strings().withChars("abcxyz_-").ofMinLength(1).ofMaxLength(10).map(s -> "/" + s));
  }

  @Provide
  Arbitrary<Long> acks() {
    return Arbitraries.oneOf(Arbitraries.just(null), Arbitraries.longs().between(0, 999_999_999_999L));
  }

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.strings().ofMinLength(1).ofMaxLength(20);
  }

  @Provide
  Arbitrary<String> packets() {
    Arbitrary<String> type = Arbitraries.strings().withChars("0123456789x").ofLength(1);
    Arbitrary<String> attachments = Arbitraries.of("", "1-", "-", "12", "0-");
    Arbitrary<String> nsp = Arbitraries.of("", "/", "/chat,", "/chat", "/a,b,", ",");
    Arbitrary<String> ack = Arbitraries.oneOf(Arbitraries.just(""), Arbitraries.strings().withChars("0123456789").ofMinLength(1).ofMaxLength(25));
    Arbitrary<String> json = Arbitraries.of("", "[\"ev\",{}]", "[\"ev\"", "{\"token\":\"x\"}", "[]", "null", "x", "[1,2]", "{", "\"s\"");
    Arbitrary<String> shaped = Combinators.combine(type, attachments, nsp, ack, json).as((t, a, n, k, j) -> t + a + n + k + j);
    return Arbitraries.oneOf(shaped, Arbitraries.strings().ofMaxLength(40));
  }
}

package io.herald.gateway.transport.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Event-bus bridge envelopes under arbitrary fields: an envelope the client may send, a ping, or a refusal. */
@Label("bridge envelopes under arbitrary input")
class EnvelopePropertyTest {

  @Property(tries = 3000)
  @Label("every envelope is accepted only for an address its type allows, else refused with a code and a body")
  void envelopes(@ForAll("envelopes") JsonObject msg) {
    Object outcome = Envelope.parse(msg);
    if (outcome == null) {
      assertThat(msg.getValue("type")).isEqualTo("ping");
    } else if (outcome instanceof Envelope e) {
      assertThat(e.type()).isIn("register", "unregister", "send", "publish");
      if (e.type().endsWith("register")) {
        assertThat(e.address()).matches("(" + java.util.regex.Pattern.quote(BridgeAddresses.USER_PREFIX) + "|"
            + java.util.regex.Pattern.quote(BridgeAddresses.ROOM_PREFIX) + ").+");
      } else {
        assertThat(BridgeAddresses.SEND_EVENTS).containsKey(e.address());
      }
      assertThat(e.replyAddress() == null || e.replyAddress().length() <= Envelope.MAX_REPLY_ADDRESS).isTrue();
    } else {
      Envelope.Refusal r = (Envelope.Refusal) outcome;
      assertThat(r.code()).isNotNull();
      assertThat(r.body()).isNotBlank();
      assertThat(r.message()).isNotBlank();
    }
  }

  @Provide
  Arbitrary<JsonObject> envelopes() {
    Arbitrary<Object> types = Arbitraries.oneOf(
        Arbitraries.of("register", "unregister", "send", "publish", "ping", "PING", "", "rec", "err").map(s -> (Object) s),
        Arbitraries.of(1, true).map(v -> (Object) v), Arbitraries.just(null));
    Arbitrary<Object> addresses = Arbitraries.oneOf(
        Arbitraries.of(BridgeAddresses.USER_PREFIX, BridgeAddresses.USER_PREFIX + "alice", BridgeAddresses.ROOM_PREFIX,
            BridgeAddresses.ROOM_PREFIX + "course:1", "herald.send.user", "herald.store.insert", "", "x").map(s -> (Object) s),
        Arbitraries.of(BridgeAddresses.SEND_EVENTS.keySet().toArray(new String[0])).map(s -> (Object) s),
        Arbitraries.strings().ofMaxLength(30).map(s -> (Object) s),
        Arbitraries.of(42, false).map(v -> (Object) v), Arbitraries.just(null));
    Arbitrary<Object> replies = Arbitraries.oneOf(Arbitraries.just(null), Arbitraries.strings().ofMaxLength(50).map(s -> (Object) s),
        Arbitraries.of(7).map(v -> (Object) v));
    Arbitrary<Object> bodies = Arbitraries.oneOf(Arbitraries.just(null), Arbitraries.just(new JsonObject().put("room", "course:1")),
        Arbitraries.strings().ofMaxLength(10).map(s -> (Object) s));
    return Combinators.combine(types, addresses, replies, bodies).as((t, a, r, b) -> {
      JsonObject o = new JsonObject();
      if (t != null) {
        o.put("type", t);
      }
      if (a != null) {
        o.put("address", a);
      }
      if (r != null) {
        o.put("replyAddress", r);
      }
      if (b != null) {
        o.put("body", b);
      }
      return o;
    });
  }
}

package io.herald.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("ServerFrame: one frame, encoded once per wire format")
class ServerFrameTest {

  @Test
  @DisplayName("the /ws JSON of every kind of frame is the JSON the protocol documents")
  void json() {
    JsonObject data = new JsonObject().put("text", "héllo \"you\"").put("n", 1);
    assertThat(new JsonObject(ServerFrame.event("ping", data).json()))
        .isEqualTo(new JsonObject().put("event", "ping").put("data", data));
    assertThat(new JsonObject(ServerFrame.toRoom("chat", data, "course:1").json()))
        .isEqualTo(new JsonObject().put("event", "chat").put("data", data).put("room", "course:1"));
    assertThat(new JsonObject(ServerFrame.reply("pong", data, 7).json()))
        .isEqualTo(new JsonObject().put("event", "pong").put("data", data).put("id", 7));
    assertThat(new JsonObject(ServerFrame.reply("pong", data, "a-1").json()).getValue("id")).isEqualTo("a-1");
    assertThat(new JsonObject(ServerFrame.stored("notification", data, 42).json()))
        .isEqualTo(new JsonObject().put("event", "notification").put("data", data).put("notificationId", 42));
    assertThat(new JsonObject(ServerFrame.error(ErrorCode.FORBIDDEN, "no", 3).json()))
        .isEqualTo(new JsonObject().put("event", "error")
            .put("data", new JsonObject().put("code", "FORBIDDEN").put("message", "no")).put("id", 3));
  }

  @Test
  @DisplayName("data of any JSON type, and null, is kept")
  void anyData() {
    assertThat(new JsonObject(ServerFrame.event("e", new JsonArray().add(1)).json()).getValue("data"))
        .isEqualTo(new JsonArray().add(1));
    assertThat(new JsonObject(ServerFrame.event("e", "text").json()).getValue("data")).isEqualTo("text");
    assertThat(new JsonObject(ServerFrame.event("e", null).json()).containsKey("data")).isTrue();
  }

  @Test
  @DisplayName("a format encodes once, however many sockets ask, and the byte size is UTF-8's")
  void encodesOnce() {
    AtomicInteger calls = new AtomicInteger();
    WireFormat counting = WireFormat.of("counting-test", f -> {
      calls.incrementAndGet();
      return "€" + f.event();
    });
    ServerFrame frame = ServerFrame.event("x", new JsonObject());
    for (int i = 0; i < 1000; i++) {
      assertThat(frame.encoded(counting).text()).isEqualTo("€x");
    }
    assertThat(calls).hasValue(1);
    assertThat(frame.encoded(counting).bytes()).isEqualTo(4);
  }

  @Test
  @DisplayName("a frame from another node keeps its data as text and parses it only when asked")
  void encodedData() {
    ServerFrame f = ServerFrame.ofEncodedData("n", "{\"a\":[1,2]}", null, 5);
    assertThat(f.json()).isEqualTo("{\"event\":\"n\",\"data\":{\"a\":[1,2]},\"notificationId\":5}");
    assertThat(f.data()).isEqualTo(new JsonObject().put("a", new JsonArray().add(1).add(2)));
  }
}

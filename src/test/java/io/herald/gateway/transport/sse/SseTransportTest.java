package io.herald.gateway.transport.sse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("SSE event framing")
class SseTransportTest {

  @Test
  @DisplayName("event, id (only when given), data and a blank line")
  void oneEvent() {
    assertThat(SseTransport.event("notification", 17L, "{\"id\":17}"))
        .isEqualTo("event: notification\nid: 17\ndata: {\"id\":17}\n\n");
    assertThat(SseTransport.event("typing", null, "{}")).isEqualTo("event: typing\ndata: {}\n\n");
  }

  @Test
  @DisplayName("data with line breaks (LF, CRLF, CR) becomes one data line per line, as the spec joins them back")
  void multiLineData() {
    assertThat(SseTransport.event("e", null, "{\n  \"a\": 1\r\n}\rend\n"))
        .isEqualTo("event: e\ndata: {\ndata:   \"a\": 1\ndata: }\ndata: end\ndata: \n\n");
  }

  @Test
  @DisplayName("an event name cannot inject fields: CR and LF in it become spaces")
  void eventNameInjection() {
    assertThat(SseTransport.event("x\nid: 999\r\ndata: forged", null, "1"))
        .isEqualTo("event: x id: 999  data: forged\ndata: 1\n\n");
  }
}

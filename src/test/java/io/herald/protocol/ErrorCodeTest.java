package io.herald.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("error codes and their one HTTP status (docs/protocol.md#error-codes)")
class ErrorCodeTest {
  @Test
  @DisplayName("every code has the status the docs give it; the REST API and the bridge share it")
  void statuses() {
    Map<ErrorCode, Integer> documented = Map.ofEntries(
        Map.entry(ErrorCode.BAD_REQUEST, 400),
        Map.entry(ErrorCode.UNAUTHORIZED, 401),
        Map.entry(ErrorCode.FORBIDDEN, 403),
        Map.entry(ErrorCode.NOT_FOUND, 404),
        Map.entry(ErrorCode.UNKNOWN_EVENT, 400),
        Map.entry(ErrorCode.PAYLOAD_TOO_LARGE, 413),
        Map.entry(ErrorCode.RATE_LIMITED, 429),
        Map.entry(ErrorCode.TOO_MANY_ROOMS, 429),
        Map.entry(ErrorCode.TOO_MANY_CONNECTIONS, 429),
        Map.entry(ErrorCode.TOO_MANY_SUBSCRIPTIONS, 429),
        Map.entry(ErrorCode.UNAVAILABLE, 503),
        Map.entry(ErrorCode.STORE_UNAVAILABLE, 503),
        Map.entry(ErrorCode.INTERNAL, 500));
    assertThat(documented).hasSize(ErrorCode.values().length);
    documented.forEach((code, status) -> assertThat(code.httpStatus()).as(code.name()).isEqualTo(status));
  }
}

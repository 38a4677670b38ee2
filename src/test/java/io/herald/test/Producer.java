package io.herald.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;

/** A backend producing through the REST API, as a service, for tests that need notifications stored. */
public final class Producer {
  private Producer() {}

  /** {@code POST /api/notifications} with a service token; asserts the 202 and returns the stored id. */
  public static long notify(int port, JsonObject body) {
    Http.Response r = Http.post(port, "/api/notifications", Tokens.service(), body);
    assertThat(r.status()).as("POST /api/notifications: %s", r.text()).isEqualTo(202);
    return r.json().getLong("id");
  }

  /** A notification {@code title} with message {@code message} for {@code userId}; the stored id. */
  public static long notify(int port, String userId, String title, String message) {
    return notify(port, new JsonObject().put("userId", userId).put("title", title).put("message", message));
  }
}

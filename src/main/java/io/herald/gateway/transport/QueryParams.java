package io.herald.gateway.transport;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Reads query parameters of an upgrade request without {@code HttpServerRequest.getParam}: that
 * caches the decoded parameters on the request, and a WebSocket keeps its upgrade request for as
 * long as it is open (with a token in the query, that is a few hundred bytes per connection).
 * Same decoding as Vert.x's (UTF-8, names case-insensitive, {@code ;} separates like {@code &}).
 */
public final class QueryParams {
  private final Map<String, List<String>> params;

  private QueryParams(Map<String, List<String>> params) {
    this.params = params;
  }

  /** The parameters of {@code uri}, decoded now and kept only as long as the returned object. */
  public static QueryParams of(String uri) {
    return new QueryParams(new QueryStringDecoder(uri, StandardCharsets.UTF_8, true, 1024, false).parameters());
  }

  /** The first value of {@code name} (case-insensitive), or null. */
  public String first(String name) {
    for (Map.Entry<String, List<String>> e : params.entrySet()) {
      if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
        return e.getValue().get(0);
      }
    }
    return null;
  }
}

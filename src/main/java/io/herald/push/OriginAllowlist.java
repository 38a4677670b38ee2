package io.herald.push;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Web Push endpoints Herald will call ({@code webpush.allowed-origins}). An endpoint is a URL
 * the client chose, so without this list any user could make the server POST to any address (an
 * internal service, say). A pattern is {@code [scheme://]host[:port]} (no scheme: https); a first label {@code *}
 * matches one or more labels ({@code https://*.notify.windows.com} allows {@code
 * https://wns2-by3p.notify.windows.com} but neither {@code https://notify.windows.com} nor {@code
 * https://notify.windows.com.evil.example}). Scheme and port must match exactly (default ports
 * count as written or omitted).
 */
public final class OriginAllowlist {
  private record Rule(String scheme, String host, boolean wildcard, int port) {}

  private final List<Rule> rules = new ArrayList<>();

  /** Patterns as validated by HeraldConfig. */
  public OriginAllowlist(List<String> patterns) {
    for (String pattern : patterns) {
      String p = pattern.contains("://") ? pattern : "https://" + pattern;
      URI u = URI.create(p.replace("://*.", "://wildcard."));
      String host = u.getHost().toLowerCase(Locale.ROOT);
      boolean wildcard = p.contains("://*.");
      rules.add(new Rule(u.getScheme().toLowerCase(Locale.ROOT), wildcard ? host.substring("wildcard.".length()) : host,
          wildcard, port(u)));
    }
  }

  /** True when {@code endpoint} is an absolute http(s) URL on an allowed origin. */
  public boolean allows(String endpoint) {
    URI u = parse(endpoint);
    if (u == null) {
      return false;
    }
    String scheme = u.getScheme().toLowerCase(Locale.ROOT);
    String host = u.getHost().toLowerCase(Locale.ROOT);
    int port = port(u);
    for (Rule r : rules) {
      if (!r.scheme.equals(scheme) || r.port != port) {
        continue;
      }
      if (r.wildcard ? host.endsWith("." + r.host) : host.equals(r.host)) {
        return true;
      }
    }
    return false;
  }

  /** {@code scheme://host[:port]} of an endpoint (the VAPID audience), or null when it is not a URL. */
  public static String origin(String endpoint) {
    URI u = parse(endpoint);
    if (u == null) {
      return null;
    }
    String scheme = u.getScheme().toLowerCase(Locale.ROOT);
    String origin = scheme + "://" + u.getHost().toLowerCase(Locale.ROOT);
    return u.getPort() == -1 || u.getPort() == defaultPort(scheme) ? origin : origin + ":" + u.getPort();
  }

  private static URI parse(String endpoint) {
    try {
      URI u = new URI(endpoint);
      String scheme = u.getScheme();
      if (scheme == null || !(scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http"))
          || u.getHost() == null || u.getRawUserInfo() != null) {
        return null;
      }
      return u;
    } catch (URISyntaxException e) {
      return null;
    }
  }

  private static int port(URI u) {
    return u.getPort() == -1 ? defaultPort(u.getScheme().toLowerCase(Locale.ROOT)) : u.getPort();
  }

  private static int defaultPort(String scheme) {
    return scheme.equals("https") ? 443 : 80;
  }
}

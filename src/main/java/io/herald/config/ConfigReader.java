package io.herald.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Typed reads of the raw configuration values for {@link HeraldConfig}: each read checks its
 * value and records an error naming the key and its environment variable, so that one start
 * reports every bad key at once.
 */
final class ConfigReader {
  private final Map<String, Object> raw;
  private final List<String> errors = new ArrayList<>();

  ConfigReader(Map<String, Object> raw) {
    this.raw = raw;
  }

  /** The errors recorded so far. */
  List<String> errors() {
    return errors;
  }

  /** The decoded bytes, null when empty; records an error when it is not base64url. */
  byte[] base64Url(String key, String value) {
    if (value.isEmpty()) {
      return null;
    }
    try {
      return java.util.Base64.getUrlDecoder().decode(value.replace("=", ""));
    } catch (IllegalArgumentException e) {
      error(key, "is not base64url");
      return null;
    }
  }

  void error(String key, String message) {
    errors.add(key + " (" + ConfigLoader.envName(key) + ") " + message);
  }

  String string(String key, boolean mayBeEmpty) {
    Object v = raw.get(key);
    String s = v == null ? "" : v.toString().trim();
    if (s.isEmpty() && !mayBeEmpty) {
      error(key, "must not be empty");
    }
    return s;
  }

  int integer(String key, int min, int max) {
    Object v = raw.get(key);
    try {
      long n = v instanceof Number num ? num.longValue() : Long.parseLong(String.valueOf(v).trim());
      if (n < min || n > max) {
        error(key, "must be between " + min + " and " + max + ", got " + n);
        return min;
      }
      return (int) n;
    } catch (NumberFormatException e) {
      error(key, "must be an integer, got '" + v + "'");
      return min;
    }
  }

  boolean bool(String key) {
    Object v = raw.get(key);
    if (v instanceof Boolean b) {
      return b;
    }
    String s = String.valueOf(v).trim().toLowerCase(java.util.Locale.ROOT);
    if (s.equals("true") || s.equals("false")) {
      return Boolean.parseBoolean(s);
    }
    error(key, "must be true or false, got '" + v + "'");
    return false;
  }

  String oneOf(String key, List<String> allowed) {
    String s = string(key, false);
    if (!allowed.contains(s)) {
      error(key, "must be one of " + allowed + ", got '" + s + "'");
    }
    return s;
  }

  @SuppressWarnings("unchecked")
  List<String> list(String key, boolean mayBeEmpty) {
    Object v = raw.get(key);
    List<String> out;
    if (v instanceof List<?> l) {
      out = new ArrayList<>();
      for (Object o : l) {
        out.add(String.valueOf(o).trim());
      }
    } else {
      out = ConfigLoader.splitList(String.valueOf(v == null ? "" : v));
    }
    if (out.isEmpty() && !mayBeEmpty) {
      error(key, "must list at least one value");
    }
    return List.copyOf(out);
  }
}

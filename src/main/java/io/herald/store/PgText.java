package io.herald.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * What PostgreSQL refuses in text and jsonb values that JSON allows: the NUL character ({@code
 * \u0000}). Caught when a value is built, so the caller gets a 400 naming the field rather than a
 * database error, and a batch never carries a row the database would refuse.
 */
public final class PgText {
  private PgText() {}

  /** Throws IllegalArgumentException naming {@code field} when {@code value} holds a NUL. */
  public static String check(String field, String value) {
    if (value != null && value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(field + " must not contain the NUL character (\\u0000)");
    }
    return value;
  }

  /** As {@link #check(String, String)} for any JSON value: every string and every key in it. */
  public static Object checkJson(String field, Object value) {
    if (hasNul(value, 0)) {
      throw new IllegalArgumentException(field + " must not contain the NUL character (\\u0000)");
    }
    return value;
  }

  private static boolean hasNul(Object value, int depth) {
    if (value instanceof String s) {
      return s.indexOf('\0') >= 0;
    }
    if (depth > 1000) {
      return false; // deeper than any JSON the server accepts; the encoder refuses it anyway
    }
    if (value instanceof JsonObject o) {
      for (Map.Entry<String, Object> e : o) {
        if (e.getKey().indexOf('\0') >= 0 || hasNul(e.getValue(), depth + 1)) {
          return true;
        }
      }
    } else if (value instanceof JsonArray a) {
      for (Object item : a) {
        if (hasNul(item, depth + 1)) {
          return true;
        }
      }
    }
    return false;
  }
}

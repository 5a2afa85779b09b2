package dev.ralex.api;

import java.util.Objects;

/**
 * A strict RFC 8259 syntax check for the JSON text that tool inputs, tool schemas and unknown blocks carry.
 * Hand-written because {@code ralex-api} has no third-party dependency; it only validates (no tree is
 * built), runs in one pass without recursion, and bounds nesting so that hostile input cannot exhaust the
 * stack or memory.
 */
final class JsonSyntax {
  static final int MAX_DEPTH = 256;

  private final String s;
  private int pos;

  private JsonSyntax(String s) {
    this.s = s;
  }

  /** Throws {@link IllegalArgumentException} naming {@code what} unless {@code json} is one JSON object. */
  static void requireObject(String json, String what) {
    Objects.requireNonNull(json, what);
    String error = new JsonSyntax(json).check();
    if (error == null && json.charAt(firstNonSpace(json)) != '{') {
      error = "expected a JSON object";
    }
    if (error != null) {
      throw new IllegalArgumentException(what + " is not valid JSON: " + error);
    }
  }

  private static int firstNonSpace(String s) {
    int i = 0;
    while (isSpace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  /** Returns null if the text is one valid JSON value, else a description of the first error. */
  private String check() {
    // containers[d] is '{' or '[' for each open container; expectingKey tracks object keys.
    char[] containers = new char[MAX_DEPTH];
    int depth = 0;
    skipSpace();
    while (true) {
      // Parse one value.
      if (pos >= s.length()) {
        return "unexpected end of input at offset " + pos;
      }
      char c = s.charAt(pos);
      boolean opened = false;
      if (c == '{' || c == '[') {
        if (depth == MAX_DEPTH) {
          return "nesting deeper than " + MAX_DEPTH;
        }
        containers[depth++] = c;
        pos++;
        skipSpace();
        char close = c == '{' ? '}' : ']';
        if (pos < s.length() && s.charAt(pos) == close) {
          pos++;
          depth--;
        } else {
          opened = true;
          if (c == '{') {
            String err = key();
            if (err != null) {
              return err;
            }
          }
        }
      } else {
        String err = scalar();
        if (err != null) {
          return err;
        }
      }
      if (opened) {
        continue;
      }
      // After a value: close containers or move to the next element.
      while (true) {
        skipSpace();
        if (depth == 0) {
          return pos == s.length() ? null : "unexpected '" + s.charAt(pos) + "' after the value at offset " + pos;
        }
        if (pos >= s.length()) {
          return "unexpected end of input at offset " + pos;
        }
        char open = containers[depth - 1];
        char ch = s.charAt(pos);
        if (ch == ',') {
          pos++;
          skipSpace();
          if (open == '{') {
            String err = key();
            if (err != null) {
              return err;
            }
          }
          break;
        }
        if ((open == '{' && ch == '}') || (open == '[' && ch == ']')) {
          pos++;
          depth--;
          continue;
        }
        return "expected ',' or '" + (open == '{' ? '}' : ']') + "' at offset " + pos;
      }
    }
  }

  /** Parses {@code "key" :} and leaves the position at the value. */
  private String key() {
    if (pos >= s.length() || s.charAt(pos) != '"') {
      return "expected a string key at offset " + pos;
    }
    String err = string();
    if (err != null) {
      return err;
    }
    skipSpace();
    if (pos >= s.length() || s.charAt(pos) != ':') {
      return "expected ':' at offset " + pos;
    }
    pos++;
    skipSpace();
    return null;
  }

  private String scalar() {
    char c = s.charAt(pos);
    if (c == '"') {
      return string();
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      return number();
    }
    for (String literal : new String[] {"true", "false", "null"}) {
      if (s.startsWith(literal, pos)) {
        pos += literal.length();
        return null;
      }
    }
    return "unexpected '" + c + "' at offset " + pos;
  }

  private String string() {
    int start = pos++;
    while (pos < s.length()) {
      char c = s.charAt(pos++);
      if (c == '"') {
        return null;
      }
      if (c < 0x20) {
        return "unescaped control character in string at offset " + (pos - 1);
      }
      if (c == '\\') {
        if (pos >= s.length()) {
          break;
        }
        char e = s.charAt(pos++);
        if (e == 'u') {
          if (pos + 4 > s.length()) {
            break;
          }
          for (int i = 0; i < 4; i++) {
            if (!isHexDigit(s.charAt(pos++))) {
              return "bad \\u escape at offset " + (pos - 1);
            }
          }
        } else if ("\"\\/bfnrt".indexOf(e) < 0) {
          return "bad escape '\\" + e + "' at offset " + (pos - 1);
        }
      }
    }
    return "unterminated string starting at offset " + start;
  }

  private String number() {
    int start = pos;
    if (s.charAt(pos) == '-') {
      pos++;
    }
    if (pos < s.length() && s.charAt(pos) == '0') {
      pos++;
    } else if (!digits()) {
      return "bad number at offset " + start;
    }
    if (pos < s.length() && s.charAt(pos) == '.') {
      pos++;
      if (!digits()) {
        return "bad number at offset " + start;
      }
    }
    if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
      pos++;
      if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
        pos++;
      }
      if (!digits()) {
        return "bad number at offset " + start;
      }
    }
    return null;
  }

  private boolean digits() {
    int start = pos;
    while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
      pos++;
    }
    return pos > start;
  }

  private void skipSpace() {
    while (pos < s.length() && isSpace(s.charAt(pos))) {
      pos++;
    }
  }

  /** ASCII hex digits only: {@link Character#digit} would also accept fullwidth and other Unicode digits. */
  private static boolean isHexDigit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }
}

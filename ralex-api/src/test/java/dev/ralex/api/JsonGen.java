package dev.ralex.api;

import java.util.List;
import java.util.Locale;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Generates valid JSON texts, serialised by hand: objects and arrays nested to a bound, strings with every kind
 * of escape and raw non-ASCII text, numbers in every RFC 8259 form, and the three literals. Whitespace appears
 * only inside containers, so a generated text never ends in whitespace.
 */
final class JsonGen {
  private static final Gen<String> WS = Generate.pick(List.of("", "", "", " ", "\n", "\t", "\r\n  ", "  "));
  private static final Gen<String> LITERAL = Generate.pick(List.of("true", "false", "null"));
  private static final Gen<String> SHORT_ESCAPE =
      Generate.pick(List.of("\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"));
  private static final Gen<String> ODD_RAW_CHAR =
      Generate.pick(List.of("\u007f", "\u2028", "\u2029", "\ufeff", "\u00a0", "\u0085"));

  private JsonGen() {}

  /** Any JSON value whose containers nest at most {@code depth} deep. */
  static Gen<String> value(int depth) {
    return in -> {
      int kind = Generate.range(0, depth <= 0 ? 3 : 5).generate(in);
      switch (kind) {
        case 0:
          return LITERAL.generate(in);
        case 1:
          return number().generate(in);
        case 2:
        case 3:
          return string().generate(in);
        case 4:
          return array(depth).generate(in);
        default:
          return object(depth).generate(in);
      }
    };
  }

  /** A JSON object whose containers, itself included, nest at most {@code depth} deep. */
  static Gen<String> object(int depth) {
    return in -> {
      int members = Generate.range(0, 4).generate(in);
      StringBuilder sb = new StringBuilder("{").append(WS.generate(in));
      for (int i = 0; i < members; i++) {
        if (i > 0) {
          sb.append(WS.generate(in)).append(',').append(WS.generate(in));
        }
        sb.append(string().generate(in)).append(WS.generate(in)).append(':').append(WS.generate(in))
            .append(value(depth - 1).generate(in));
      }
      return sb.append(WS.generate(in)).append('}').toString();
    };
  }

  /** A JSON array whose containers, itself included, nest at most {@code depth} deep. */
  static Gen<String> array(int depth) {
    return in -> {
      int elements = Generate.range(0, 4).generate(in);
      StringBuilder sb = new StringBuilder("[").append(WS.generate(in));
      for (int i = 0; i < elements; i++) {
        if (i > 0) {
          sb.append(WS.generate(in)).append(',').append(WS.generate(in));
        }
        sb.append(value(depth - 1).generate(in));
      }
      return sb.append(WS.generate(in)).append(']').toString();
    };
  }

  /** A number: optional minus, 0 or a digit string without leading zero, optional fraction and exponent. */
  static Gen<String> number() {
    return in -> {
      StringBuilder sb = new StringBuilder();
      if (Generate.booleans().generate(in)) {
        sb.append('-');
      }
      int intDigits = Generate.range(0, 6).generate(in);
      if (intDigits == 0) {
        sb.append('0');
      } else {
        sb.append((char) ('1' + Generate.range(0, 8).generate(in)));
        appendDigits(sb, intDigits - 1, in);
      }
      if (Generate.booleans().generate(in)) {
        sb.append('.');
        appendDigits(sb, Generate.range(1, 5).generate(in), in);
      }
      if (Generate.booleans().generate(in)) {
        sb.append(Generate.booleans().generate(in) ? 'e' : 'E');
        int sign = Generate.range(0, 2).generate(in);
        if (sign == 1) {
          sb.append('+');
        } else if (sign == 2) {
          sb.append('-');
        }
        appendDigits(sb, Generate.range(1, 3).generate(in), in);
      }
      return sb.toString();
    };
  }

  private static void appendDigits(StringBuilder sb, int n, org.quicktheories.core.RandomnessSource in) {
    for (int i = 0; i < n; i++) {
      sb.append((char) ('0' + Generate.range(0, 9).generate(in)));
    }
  }

  /** A string literal, quotes included, mixing plain text, escapes and raw non-ASCII text. */
  static Gen<String> string() {
    return in -> {
      int pieces = Generate.range(0, 8).generate(in);
      StringBuilder sb = new StringBuilder("\"");
      for (int i = 0; i < pieces; i++) {
        sb.append(piece().generate(in));
      }
      return sb.append('"').toString();
    };
  }

  private static Gen<String> piece() {
    return in -> {
      int kind = Generate.range(0, 8).generate(in);
      switch (kind) {
        case 0:
        case 1: {
          char c = (char) (int) Generate.range(0x20, 0x7e).generate(in);
          return c == '"' || c == '\\' ? "\\" + c : String.valueOf(c);
        }
        case 2:
          return SHORT_ESCAPE.generate(in);
        case 3:
          return hexEscape(Generate.range(0, 0x1f).generate(in), in);
        case 4:
          return String.valueOf((char) (int) Generate.range(0xa0, 0xd7ff).generate(in));
        case 5:
          return new String(Character.toChars(Generate.range(0x10000, 0x10ffff).generate(in)));
        case 6:
          return hexEscape(Generate.range(0, 0xffff).generate(in), in);
        case 7:
          return hexEscape(Generate.range(0xd800, 0xdbff).generate(in), in)
              + hexEscape(Generate.range(0xdc00, 0xdfff).generate(in), in);
        default:
          return ODD_RAW_CHAR.generate(in);
      }
    };
  }

  private static String hexEscape(int codeUnit, org.quicktheories.core.RandomnessSource in) {
    String hex = String.format(Locale.ROOT, "%04x", codeUnit);
    return "\\u" + (Generate.booleans().generate(in) ? hex.toUpperCase(Locale.ROOT) : hex);
  }
}

package dev.ralex.bandit.replay;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A small RFC 4180 CSV reader: comma-separated fields, optionally quoted with {@code "}; inside quotes a field
 * may hold commas, CR/LF newlines and doubled quotes ({@code ""} for one {@code "}). Records end at CRLF, LF or
 * CR outside quotes; a final record without a line break is kept, a trailing empty line is not. A leading UTF-8
 * byte-order mark is dropped.
 *
 * <p>Written here because no CSV library is managed in the root pom.
 */
public final class Csv {
  private Csv() {}

  /**
   * Reads every record of {@code in}; the caller closes {@code in}.
   *
   * @throws IllegalArgumentException if a quoted field is not closed, or a quote closes a field that goes on
   * @throws IOException if reading fails
   */
  public static List<List<String>> read(Reader in) throws IOException {
    Objects.requireNonNull(in, "in");
    StringBuilder all = new StringBuilder();
    char[] buf = new char[1 << 16];
    for (int n; (n = in.read(buf)) >= 0; ) {
      all.append(buf, 0, n);
    }
    return parse(all);
  }

  /** Parses {@code text}; see {@link #read(Reader)}. */
  public static List<List<String>> parse(CharSequence text) {
    Objects.requireNonNull(text, "text");
    List<List<String>> records = new ArrayList<>();
    List<String> record = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    int n = text.length();
    int i = n > 0 && text.charAt(0) == '\uFEFF' ? 1 : 0;
    int line = 1;
    boolean inRecord = false;
    while (i < n) {
      char c = text.charAt(i);
      if (c == '"' && field.length() == 0) {
        // A quoted field.
        int startLine = line;
        i++;
        while (true) {
          if (i >= n) {
            throw new IllegalArgumentException("unterminated quoted field starting on line " + startLine);
          }
          char q = text.charAt(i);
          if (q == '"') {
            if (i + 1 < n && text.charAt(i + 1) == '"') {
              field.append('"');
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (q == '\n') {
            line++;
          }
          field.append(q);
          i++;
        }
        if (i < n && text.charAt(i) != ',' && text.charAt(i) != '\n' && text.charAt(i) != '\r') {
          throw new IllegalArgumentException("text after a closing quote on line " + line);
        }
        inRecord = true;
        continue;
      }
      if (c == ',') {
        record.add(field.toString());
        field.setLength(0);
        inRecord = true;
        i++;
      } else if (c == '\r' || c == '\n') {
        record.add(field.toString());
        field.setLength(0);
        records.add(record);
        record = new ArrayList<>();
        inRecord = false;
        i += c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n' ? 2 : 1;
        line++;
      } else {
        field.append(c);
        inRecord = true;
        i++;
      }
    }
    if (inRecord || field.length() > 0) {
      record.add(field.toString());
      records.add(record);
    }
    return records;
  }
}

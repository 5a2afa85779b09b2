package dev.ralex.providers.internal;

import java.io.IOException;
import java.util.Objects;
import okio.BufferedSource;

/**
 * Reads server-sent events (the {@code text/event-stream} format) from a source and hands each complete event to
 * a listener: {@code event:} and {@code data:} fields (several {@code data:} lines joined with newlines), comment
 * lines starting with {@code :} skipped, CRLF or LF line ends, a leading byte-order mark ignored, and an event
 * dispatched at each blank line. An event cut off by the end of the stream is not dispatched. Not thread-safe:
 * one reader per stream.
 *
 * <p>Memory is bounded: a line or an event longer than {@link #MAX_EVENT_CHARS} fails the read with an {@link
 * IOException} instead of buffering without end, so a broken or hostile server cannot exhaust the heap.
 */
public final class SseReader {
  /** The longest line, and the largest event, the reader accepts, in bytes of UTF-8 (and so at most in chars). */
  public static final long MAX_EVENT_CHARS = 16L * 1024 * 1024;

  /** Receives events. */
  public interface Listener {
    /**
     * One event.
     *
     * @param type the {@code event:} field, or {@code null} when the event had none
     * @param data the {@code data:} lines joined with newlines; empty when the event had none
     * @return false to stop reading
     */
    boolean onEvent(String type, String data) throws IOException;
  }

  private final BufferedSource source;
  private final long maxEventChars;
  private final StringBuilder data = new StringBuilder(256);

  /** A reader of {@code source}. */
  public SseReader(BufferedSource source) {
    this(source, MAX_EVENT_CHARS);
  }

  /** A reader of {@code source} with a smaller size limit, for tests of the limit. */
  SseReader(BufferedSource source, long maxEventChars) {
    this.source = Objects.requireNonNull(source, "source");
    this.maxEventChars = maxEventChars;
  }

  /**
   * Reads events until the stream ends or the listener returns false.
   *
   * @return true if the stream ended at an event boundary or the listener stopped; false if it ended inside an
   *     event, which means it was cut off
   * @throws IOException if reading fails, or a line or event is larger than the limit
   */
  public boolean readAll(Listener listener) throws IOException {
    String type = null;
    boolean inEvent = false;
    // The usual event has one data line: it is kept as read and handed over without a copy; only a second
    // data line moves the text into the builder.
    String firstData = null;
    boolean multiLine = false;
    boolean first = true;
    data.setLength(0);
    String line;
    while ((line = readLine()) != null) {
      if (first) {
        first = false;
        if (!line.isEmpty() && line.charAt(0) == '\uFEFF') {
          line = line.substring(1); // The spec allows one byte-order mark before the first line.
        }
      }
      if (line.isEmpty()) {
        if (inEvent) {
          String eventData = multiLine ? data.toString() : firstData != null ? firstData : "";
          if (!listener.onEvent(type, eventData)) {
            return true;
          }
          type = null;
          inEvent = false;
          firstData = null;
          multiLine = false;
          data.setLength(0);
        }
        continue;
      }
      if (line.charAt(0) == ':') {
        continue; // A comment, such as OpenRouter's ": OPENROUTER PROCESSING" keep-alive.
      }
      int colon = line.indexOf(':');
      int fieldEnd = colon < 0 ? line.length() : colon;
      int valueStart = colon < 0 ? line.length() : colon + 1;
      if (valueStart < line.length() && line.charAt(valueStart) == ' ') {
        valueStart++;
      }
      if (fieldEnd == 4 && line.startsWith("data")) {
        String value = line.substring(valueStart);
        if (firstData == null && !multiLine) {
          firstData = value;
        } else {
          // Lines join with '\n' even when one is empty ("data:" then "data: x" is "\nx"), as the spec says.
          if (!multiLine) {
            data.append(firstData);
            multiLine = true;
          }
          data.append('\n').append(value);
          if (data.length() > maxEventChars) {
            throw new OversizedResponseException("server-sent event larger than " + maxEventChars + " characters");
          }
        }
        inEvent = true;
      } else if (fieldEnd == 5 && line.startsWith("event")) {
        type = line.substring(valueStart);
        inEvent = true;
      }
      // id, retry and unknown fields carry nothing Ralex uses.
    }
    return !inEvent;
  }

  /**
   * The next line without its LF or CRLF end; at the end of the stream, what remains (a cut-off last line), or
   * null when nothing does.
   */
  private String readLine() throws IOException {
    long newline = source.indexOf((byte) '\n', 0, maxEventChars + 2);
    if (newline >= 0) {
      if (newline > 0 && source.getBuffer().getByte(newline - 1) == '\r') {
        String line = source.readUtf8(newline - 1);
        source.skip(2);
        return line;
      }
      String line = source.readUtf8(newline);
      source.skip(1);
      return line;
    }
    // No newline within the limit: either the stream ended (return the rest) or the line is too long.
    if (source.request(maxEventChars + 2)) {
      throw new OversizedResponseException("server-sent event line longer than " + maxEventChars + " bytes");
    }
    if (source.exhausted()) {
      return null;
    }
    return source.readUtf8();
  }
}

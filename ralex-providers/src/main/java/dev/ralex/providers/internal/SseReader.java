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
 *
 * <p>This is the pull form, for a blocking body; {@link SseDecoder} is the push form, for bytes that arrive in
 * callbacks. Both apply the same line rules ({@code SseLines}).
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
    SseLines lines = new SseLines(maxEventChars);
    String line;
    while ((line = readLine()) != null) {
      if (!lines.line(line, listener)) {
        return true;
      }
    }
    return !lines.inEvent();
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

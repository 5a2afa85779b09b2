package dev.ralex.providers.internal;

import java.io.IOException;
import java.util.Objects;
import okio.BufferedSource;

/**
 * Reads server-sent events (the {@code text/event-stream} format) from a source and hands each complete event to
 * a listener: {@code event:} and {@code data:} fields (several {@code data:} lines joined with newlines), comment
 * lines starting with {@code :} skipped, CRLF or LF line ends, and an event dispatched at each blank line. An
 * event cut off by the end of the stream is not dispatched. Not thread-safe: one reader per stream.
 */
public final class SseReader {
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
  private final StringBuilder data = new StringBuilder(256);

  /** A reader of {@code source}. */
  public SseReader(BufferedSource source) {
    this.source = Objects.requireNonNull(source, "source");
  }

  /**
   * Reads events until the stream ends or the listener returns false.
   *
   * @return true if the stream ended at an event boundary or the listener stopped; false if it ended inside an
   *     event, which means it was cut off
   * @throws IOException if reading fails
   */
  public boolean readAll(Listener listener) throws IOException {
    String type = null;
    boolean inEvent = false;
    data.setLength(0);
    String line;
    while ((line = source.readUtf8Line()) != null) {
      if (line.isEmpty()) {
        if (inEvent) {
          if (!listener.onEvent(type, data.toString())) {
            return true;
          }
          type = null;
          inEvent = false;
          data.setLength(0);
        }
        continue;
      }
      if (line.charAt(0) == ':') {
        continue; // A comment, such as OpenRouter's ": OPENROUTER PROCESSING" keep-alive.
      }
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      int valueStart = colon < 0 ? line.length() : colon + 1;
      if (valueStart < line.length() && line.charAt(valueStart) == ' ') {
        valueStart++;
      }
      switch (field) {
        case "data":
          if (inEvent && data.length() > 0) {
            data.append('\n');
          }
          data.append(line, valueStart, line.length());
          inEvent = true;
          break;
        case "event":
          type = line.substring(valueStart);
          inEvent = true;
          break;
        default:
          // id, retry and unknown fields carry nothing Ralex uses.
          break;
      }
    }
    return !inEvent;
  }
}

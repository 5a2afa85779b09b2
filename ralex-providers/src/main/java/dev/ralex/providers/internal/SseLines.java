package dev.ralex.providers.internal;

import java.io.IOException;

/**
 * The line rules of server-sent events, for {@link SseDecoder}: {@code event:} and {@code data:} fields
 * (several {@code data:} lines joined with newlines), comment lines starting with {@code :} skipped, a leading
 * byte-order mark ignored, an event dispatched at each blank line, and an event larger than the limit refused.
 * The decoder splits its input into lines (without their LF or CRLF end) and hands them here one by one. Not
 * thread-safe: one per stream.
 */
final class SseLines {
  private final long maxEventChars;
  private final StringBuilder data = new StringBuilder(256);
  private String type;
  private boolean inEvent;
  // The usual event has one data line: it is kept as read and handed over without a copy; only a second
  // data line moves the text into the builder.
  private String firstData;
  private boolean multiLine;
  private boolean first = true;

  SseLines(long maxEventChars) {
    this.maxEventChars = maxEventChars;
  }

  /** Whether lines of an event have arrived since the last dispatch: an end of stream now cuts an event off. */
  boolean inEvent() {
    return inEvent;
  }

  /**
   * Handles one line.
   *
   * @return false if the listener asked to stop
   * @throws IOException if the listener throws it, or the event grows past the limit
   */
  boolean line(String line, SseDecoder.Listener listener) throws IOException {
    if (first) {
      first = false;
      if (!line.isEmpty() && line.charAt(0) == '\uFEFF') {
        line = line.substring(1); // The spec allows one byte-order mark before the first line.
      }
    }
    if (line.isEmpty()) {
      if (inEvent) {
        String eventData = multiLine ? data.toString() : firstData != null ? firstData : "";
        String eventType = type;
        type = null;
        inEvent = false;
        firstData = null;
        multiLine = false;
        data.setLength(0);
        return listener.onEvent(eventType, eventData);
      }
      return true;
    }
    if (line.charAt(0) == ':') {
      return true; // A comment, such as OpenRouter's ": OPENROUTER PROCESSING" keep-alive.
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
    return true;
  }
}

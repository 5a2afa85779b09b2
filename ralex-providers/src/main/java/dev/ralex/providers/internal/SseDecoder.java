package dev.ralex.providers.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import okio.Buffer;

/**
 * Decodes server-sent events (the {@code text/event-stream} format) from bytes pushed in as they arrive, for a
 * non-blocking transport, and hands each complete event to a listener. The line rules are in {@code SseLines}:
 * {@code event:} and {@code data:} fields (several {@code data:} lines joined with newlines), comment lines
 * starting with {@code :} skipped, CRLF or LF line ends, a leading byte-order mark ignored, an event dispatched at
 * each blank line; an event cut off by the end of the input is not dispatched. Bytes are kept until a whole line
 * is there, and only whole lines are decoded as UTF-8, so a multi-byte character split across two buffers decodes
 * correctly. Not thread-safe: one decoder per stream, fed by one thread at a time (a {@code Flow.Subscriber}'s
 * signals are serial, which is enough).
 *
 * <p>Memory is bounded: a line or an event longer than {@link #MAX_EVENT_CHARS} fails with an {@link
 * OversizedResponseException} instead of buffering without end, so a broken or hostile server cannot exhaust the
 * heap.
 */
public final class SseDecoder {
  /** The longest line, and the largest event, accepted, in bytes of UTF-8 (and so at most in chars). */
  public static final long MAX_EVENT_CHARS = 16L * 1024 * 1024;

  /** Receives events. */
  public interface Listener {
    /**
     * One event.
     *
     * @param type the {@code event:} field, or {@code null} when the event had none
     * @param data the {@code data:} lines joined with newlines; empty when the event had none
     * @return false to stop decoding
     */
    boolean onEvent(String type, String data) throws IOException;
  }

  private final Listener listener;
  private final long maxEventChars;
  private final SseLines lines;
  private final Buffer pending = new Buffer();
  /** How far {@link #pending} is known to hold no LF, so a long line fed in small pieces is scanned once. */
  private long scanned;
  private boolean stopped;

  /** A decoder that hands events to {@code listener}. */
  public SseDecoder(Listener listener) {
    this(listener, MAX_EVENT_CHARS);
  }

  /** A decoder with a smaller size limit, for tests of the limit. */
  SseDecoder(Listener listener, long maxEventChars) {
    this.listener = Objects.requireNonNull(listener, "listener");
    this.maxEventChars = maxEventChars;
    this.lines = new SseLines(maxEventChars);
  }

  /**
   * Takes the bytes remaining in {@code bytes} (consuming them) and hands every event they complete to the
   * listener.
   *
   * @return false once the listener has asked to stop; later input is ignored
   * @throws IOException if the listener throws it, or a line or event is larger than the limit
   */
  public boolean feed(ByteBuffer bytes) throws IOException {
    if (stopped) {
      bytes.position(bytes.limit());
      return false;
    }
    pending.write(bytes);
    while (true) {
      long newline = pending.indexOf((byte) '\n', scanned);
      if (newline < 0) {
        scanned = pending.size();
        if (pending.size() >= maxEventChars + 2) {
          // No line end within the first maxEventChars + 2 bytes (a line of the limit plus its CRLF).
          throw new OversizedResponseException("server-sent event line longer than " + maxEventChars + " bytes");
        }
        return true;
      }
      if (newline >= maxEventChars + 2) {
        throw new OversizedResponseException("server-sent event line longer than " + maxEventChars + " bytes");
      }
      String line;
      if (newline > 0 && pending.getByte(newline - 1) == '\r') {
        line = pending.readUtf8(newline - 1);
        pending.skip(2);
      } else {
        line = pending.readUtf8(newline);
        pending.skip(1);
      }
      scanned = 0;
      if (!lines.line(line, listener)) {
        stopped = true;
        pending.clear();
        return false;
      }
    }
  }

  /**
   * Ends the input: a last line without a line end is still handled (it cannot complete an event, which
   * needs a blank line after it).
   *
   * @return true if the input ended at an event boundary or the listener stopped; false if it ended inside an
   *     event, which means it was cut off
   * @throws IOException if the listener throws it
   */
  public boolean end() throws IOException {
    if (stopped) {
      return true;
    }
    if (pending.size() > 0) {
      if (!lines.line(pending.readUtf8(), listener)) {
        stopped = true;
        return true;
      }
    }
    return !lines.inEvent();
  }
}

package dev.ralex.providers.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import okio.Buffer;

/**
 * Decodes server-sent events from bytes pushed in as they arrive, for a non-blocking transport: the push form of
 * {@link SseReader}, with the same rules and the same limits (both hand their lines to one line handler). Bytes
 * are kept until a whole line (ended by LF or CRLF) is there, and only whole lines are decoded as UTF-8, so a
 * multi-byte character split across two buffers decodes correctly. Not thread-safe: one decoder per stream, fed
 * by one thread at a time (a {@code Flow.Subscriber}'s signals are serial, which is enough).
 */
public final class SseDecoder {
  private final SseReader.Listener listener;
  private final long maxEventChars;
  private final SseLines lines;
  private final Buffer pending = new Buffer();
  /** How far {@link #pending} is known to hold no LF, so a long line fed in small pieces is scanned once. */
  private long scanned;
  private boolean stopped;

  /** A decoder that hands events to {@code listener}. */
  public SseDecoder(SseReader.Listener listener) {
    this(listener, SseReader.MAX_EVENT_CHARS);
  }

  /** A decoder with a smaller size limit, for tests of the limit. */
  SseDecoder(SseReader.Listener listener, long maxEventChars) {
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
          // The reader's limit, byte for byte: no line end within the first maxEventChars + 2 bytes.
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
   * Ends the input: a last line without a line end is handled as the reader handles it.
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

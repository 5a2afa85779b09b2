package dev.ralex.providers.internal;

import java.io.IOException;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;

/** Reads response bodies within {@link Json#MAX_BODY_BYTES}, so a runaway body cannot exhaust memory. */
public final class Bodies {
  /** How much of an error body is worth reading: enough for any JSON error, little for a proxy's HTML page. */
  public static final long MAX_ERROR_BODY_BYTES = 64L * 1024;

  private Bodies() {}

  /**
   * The whole body as UTF-8 text.
   *
   * @throws OversizedResponseException if the body is larger than {@link Json#MAX_BODY_BYTES}
   * @throws IOException if reading fails
   */
  public static String readUtf8(ResponseBody body) throws IOException {
    BufferedSource source = body.source();
    if (source.request(Json.MAX_BODY_BYTES + 1)) {
      throw new OversizedResponseException("response body larger than " + Json.MAX_BODY_BYTES + " bytes");
    }
    return source.getBuffer().readUtf8();
  }

  /**
   * At most the first {@code maxBytes} of the body as UTF-8 text, for error bodies: what is past the limit is
   * not read (closing the response discards it), and a multi-byte character cut at the limit is dropped rather
   * than turned into a replacement character.
   *
   * @throws IOException if reading fails
   */
  public static String readUtf8Prefix(ResponseBody body, long maxBytes) throws IOException {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive but was " + maxBytes);
    }
    BufferedSource source = body.source();
    source.request(maxBytes);
    Buffer buffer = source.getBuffer();
    long n = Math.min(buffer.size(), maxBytes);
    if (n == buffer.size()) {
      return buffer.readUtf8();
    }
    // Back off to the start of a UTF-8 sequence: continuation bytes have 10 as their two top bits.
    long end = n;
    while (end > 0 && (buffer.getByte(end) & 0xC0) == 0x80) {
      end--;
    }
    return buffer.readUtf8(end);
  }
}

package dev.ralex.providers.internal;

import java.io.IOException;
import okhttp3.ResponseBody;
import okio.BufferedSource;

/** Reads response bodies within {@link Json#MAX_BODY_BYTES}, so a runaway body cannot exhaust memory. */
public final class Bodies {
  private Bodies() {}

  /**
   * The whole body as UTF-8 text.
   *
   * @throws IOException if reading fails or the body is larger than {@link Json#MAX_BODY_BYTES}
   */
  public static String readUtf8(ResponseBody body) throws IOException {
    BufferedSource source = body.source();
    if (source.request(Json.MAX_BODY_BYTES + 1)) {
      throw new IOException("response body larger than " + Json.MAX_BODY_BYTES + " bytes");
    }
    return source.getBuffer().readUtf8();
  }
}

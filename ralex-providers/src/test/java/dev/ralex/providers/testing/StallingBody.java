package dev.ralex.providers.testing;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponseBody;
import okio.BufferedSink;

/**
 * A chunked body that sends {@code head}, then waits until {@code release} opens (the test opens it when done)
 * and sends nothing more: a server that has stopped talking, for cancellation tests, without sleeping.
 */
public final class StallingBody implements MockResponseBody {
  private final String head;
  private final CountDownLatch release;

  /** A body that sends {@code head} and then stalls until {@code release} opens. */
  public StallingBody(String head, CountDownLatch release) {
    this.head = head;
    this.release = release;
  }

  @Override
  public long getContentLength() {
    return -1;
  }

  @Override
  public void writeTo(BufferedSink sink) throws IOException {
    sink.writeUtf8(head);
    sink.flush();
    try {
      release.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("released");
    }
  }
}

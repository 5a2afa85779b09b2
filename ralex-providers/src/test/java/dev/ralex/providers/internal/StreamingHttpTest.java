package dev.ralex.providers.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The non-blocking transport on a real loopback server: how an event stream ends and what becomes of its connection. */
class StreamingHttpTest {
  private static final String EVENTS = "event: part\ndata: 1\n\nevent: stop\ndata: {}\n\n";

  private final MockWebServer server = new MockWebServer();
  private final StreamingHttp http = StreamingHttp.of(Duration.ofSeconds(5), Duration.ofSeconds(5));

  @BeforeEach
  void start() throws Exception {
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** Takes events until one named "stop", then waits for the end of the stream. */
  private static final class UntilStop implements StreamingHttp.Receiver {
    final List<String> events = new ArrayList<>();
    final CompletableFuture<Boolean> ended = new CompletableFuture<>();

    @Override
    public StreamingHttp.BodyMode onResponse(int status, Headers headers) {
      return StreamingHttp.BodyMode.EVENTS;
    }

    @Override
    public boolean onEvent(String type, String data) {
      events.add(type);
      return !"stop".equals(type);
    }

    @Override
    public void onBody(String body) {
      ended.completeExceptionally(new AssertionError("no whole body expected"));
    }

    @Override
    public void onEnd(boolean clean) {
      ended.complete(clean);
    }

    @Override
    public void onFailure(Throwable failure, boolean cancelled) {
      ended.completeExceptionally(failure);
    }
  }

  private UntilStop streamOnce() throws Exception {
    server.enqueue(new MockResponse.Builder().addHeader("content-type", "text/event-stream").body(EVENTS).build());
    UntilStop receiver = new UntilStop();
    StreamingHttp.Exchange exchange = http.send(HttpRequest.newBuilder(server.url("/events").uri()).build(), receiver);
    assertThat(receiver.ended.get(5, TimeUnit.SECONDS)).isTrue();
    exchange.transferEnded().get(5, TimeUnit.SECONDS);
    return receiver;
  }

  @Test
  void aStreamEndedByItsLastEventLeavesItsConnectionForTheNext() throws Exception {
    // The receiver is done at "stop"; the transport still reads the body's last bytes, so the connection goes
    // back to the pool rather than being closed. Waiting for the end of the transfer (not of the receiver) makes
    // the second exchange find it there.
    assertThat(streamOnce().events).containsExactly("part", "stop");
    assertThat(streamOnce().events).containsExactly("part", "stop");
    RecordedRequest first = server.takeRequest(5, TimeUnit.SECONDS);
    RecordedRequest second = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(second.getConnectionIndex()).isEqualTo(first.getConnectionIndex());
    assertThat(second.getExchangeIndex()).isEqualTo(first.getExchangeIndex() + 1);
  }

  @Test
  void aCancelledExchangeEndsItsTransferAndTellsTheReceiverOnce() throws Exception {
    server.enqueue(new MockResponse.Builder().addHeader("content-type", "text/event-stream")
        .body(EVENTS).headersDelay(2, TimeUnit.SECONDS).build());
    UntilStop receiver = new UntilStop();
    StreamingHttp.Exchange exchange = http.send(HttpRequest.newBuilder(server.url("/events").uri()).build(), receiver);
    exchange.cancel();
    exchange.cancel();
    exchange.transferEnded().get(5, TimeUnit.SECONDS);
    assertThat(exchange.isCancelled()).isTrue();
    assertThat(receiver.ended).isCompletedExceptionally();
    assertThat(receiver.events).isEmpty();
  }
}

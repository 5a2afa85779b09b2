package dev.ralex.providers.anthropic;

import static dev.ralex.providers.anthropic.AnthropicWire.HAIKU;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ralex.api.ApiKey;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Async calls wait for the server without a thread each. */
class AnthropicAsyncTest {
  private static final int CALLS = 60;

  private HttpServer server;
  private final ConcurrentLinkedQueue<HttpExchange> held = new ConcurrentLinkedQueue<>();
  private final CountDownLatch arrived = new CountDownLatch(CALLS);

  @BeforeEach
  void start() throws IOException {
    // One server thread holds every request open: handlers park the exchange and return.
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v1/messages", exchange -> {
      exchange.getRequestBody().readAllBytes();
      held.add(exchange);
      arrived.countDown();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private static Set<Long> threadIds() {
    Set<Long> ids = new HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      ids.add(t.getId());
    }
    return ids;
  }

  @Test
  void manyCallsInFlightHoldNoThreadEach() throws Exception {
    AnthropicProvider provider = AnthropicProvider.builder()
        .apiKey(ApiKey.of(AnthropicWire.KEY))
        .baseUrl("http://127.0.0.1:" + server.getAddress().getPort())
        .clock(AnthropicWire.CLOCK)
        .build();
    // Warm the transport up so its fixed threads exist before the count.
    CompletableFuture<ChatResponse> warmUp = provider.chatAsync(HAIKU, ChatRequest.of("warm up"), Runnable::run);
    answerHeld(1);
    warmUp.get(10, TimeUnit.SECONDS);
    assertThat(arrived.getCount()).isEqualTo(CALLS - 1);

    Set<Long> before = threadIds();
    List<CompletableFuture<ChatResponse>> calls = new ArrayList<>();
    for (int i = 0; i < CALLS - 1; i++) {
      calls.add(provider.chatAsync(HAIKU, ChatRequest.of("question " + i), Runnable::run));
    }
    assertThat(arrived.await(20, TimeUnit.SECONDS)).as("every request reached the server").isTrue();
    Set<Long> during = threadIds();
    during.removeAll(before);
    assertThat(during.size()).as("threads started while %d calls wait on the server", CALLS - 1)
        .isLessThan(10);
    assertThat(calls).noneMatch(CompletableFuture::isDone);

    answerHeld(CALLS - 1);
    for (CompletableFuture<ChatResponse> call : calls) {
      assertThat(call.get(10, TimeUnit.SECONDS).text()).isEqualTo("Hello! How can I help you today?");
    }
  }

  private void answerHeld(int count) throws IOException {
    byte[] body = AnthropicWire.text("response-text.json").getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < count; i++) {
      HttpExchange exchange;
      while ((exchange = held.poll()) == null) {
        Thread.onSpinWait(); // The request is on its way: the server has it a moment later.
      }
      exchange.getResponseHeaders().add("content-type", "application/json");
      exchange.getResponseHeaders().add("request-id", "req_async");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}

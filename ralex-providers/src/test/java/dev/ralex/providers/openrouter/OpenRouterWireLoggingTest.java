package dev.ralex.providers.openrouter;

import static dev.ralex.providers.openrouter.Wire.KEY;
import static dev.ralex.providers.openrouter.Wire.LLAMA;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.ralex.api.ChatRequest;
import dev.ralex.providers.internal.WireLog;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Wire logging of the OpenRouter provider: the bearer token never appears, on either transport. */
class OpenRouterWireLoggingTest {
  private final MockWebServer server = new MockWebServer();

  @BeforeEach
  void start() throws Exception {
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void blockingAndStreamingCallsAreLoggedWithTheTokenRedacted() throws Exception {
    server.enqueue(Wire.json(200, "response-text.json"));
    server.enqueue(Wire.sse("stream-text.sse"));
    OpenRouterProvider provider = Wire.openRouter(server);
    try (WireLog log = new WireLog(Level.TRACE)) {
      provider.chat(LLAMA, ChatRequest.of("first question"));
      provider.stream(LLAMA, ChatRequest.of("second question"), new Wire.Recorder())
          .completion().get(10, TimeUnit.SECONDS);
      String text = log.text();
      assertThat(text).doesNotContain(KEY)
          .contains("Authorization=<redacted>")
          .contains("first question")
          .contains("second question")
          .contains("event: null data: [DONE]");
      String requestLine = "DEBUG --> POST " + server.url("/api/v1/chat/completions");
      assertThat(log.lines().stream().filter(l -> l.startsWith(requestLine))).hasSize(2);
    }
  }
}

package dev.ralex.providers.anthropic;

import static dev.ralex.providers.anthropic.AnthropicWire.HAIKU;
import static dev.ralex.providers.anthropic.AnthropicWire.KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.ralex.api.AuthenticationException;
import dev.ralex.api.ChatRequest;
import dev.ralex.providers.internal.WireLog;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Wire logging of the Anthropic provider's blocking and streaming calls: what is shown, and that the key is not. */
class AnthropicWireLoggingTest {
  private final MockWebServer server = new MockWebServer();
  private AnthropicProvider provider;

  @BeforeEach
  void start() throws Exception {
    server.start();
    provider = AnthropicWire.provider(server);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aBlockingCallIsLoggedWithTheKeyRedacted() {
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("response-text.json")).build());
    try (WireLog log = new WireLog(Level.TRACE)) {
      provider.chat(HAIKU, ChatRequest.of("what is the capital of France?"));
      String text = log.text();
      assertThat(text).doesNotContain(KEY)
          .contains("--> POST " + server.url("/v1/messages"))
          .contains("x-api-key=<redacted>")
          .contains("anthropic-version=2026-10-21")
          .contains("what is the capital of France?") // the request body, at TRACE
          .contains("<-- 200 " + server.url("/v1/messages"))
          .contains("request-id=req_test_200")
          .contains("\"stop_reason\"");
    }
  }

  @Test
  void aStreamIsLoggedEventByEventWithTheKeyRedacted() throws InterruptedException {
    server.enqueue(AnthropicWire.sse(AnthropicWire.text("stream-text.sse")).build());
    try (WireLog log = new WireLog(Level.TRACE)) {
      RecordingHandler handler = new RecordingHandler();
      provider.stream(HAIKU, ChatRequest.of("stream me a poem"), handler);
      handler.awaitEnd();
      assertThat(handler.error).isNull();
      String text = log.text();
      assertThat(text).doesNotContain(KEY)
          .contains("x-api-key=<redacted>")
          .contains("stream me a poem")
          .contains("<-- 200 ")
          .contains("event: message_start data: {")
          .contains("event: message_stop");
    }
  }

  @Test
  void anErrorThatEchoesTheKeyIsLoggedWithoutIt() {
    server.enqueue(AnthropicWire.json(401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\","
        + "\"message\":\"invalid x-api-key: " + KEY + "\"},\"request_id\":\"req_1\"}").build());
    try (WireLog log = new WireLog(Level.TRACE)) {
      assertThatThrownBy(() -> provider.chat(HAIKU, ChatRequest.of("hi")))
          .isInstanceOf(AuthenticationException.class)
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(KEY));
      assertThat(log.text()).doesNotContain(KEY).contains("<-- 401 ").contains("invalid x-api-key: <redacted>");
    }
  }

  @Test
  void atDebugNoPromptOrAnswerIsLogged() throws InterruptedException {
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("response-text.json")).build());
    server.enqueue(AnthropicWire.sse(AnthropicWire.text("stream-text.sse")).build());
    try (WireLog log = new WireLog(Level.DEBUG)) {
      String answer = provider.chat(HAIKU, ChatRequest.of("a private question")).text();
      RecordingHandler handler = new RecordingHandler();
      provider.stream(HAIKU, ChatRequest.of("another private question"), handler);
      handler.awaitEnd();
      assertThat(log.lines()).hasSizeGreaterThanOrEqualTo(4)
          .allSatisfy(line -> assertThat(line).startsWith("DEBUG ")
              .doesNotContain("private question").doesNotContain(answer).doesNotContain(KEY));
    }
  }
}

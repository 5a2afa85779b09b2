package dev.ralex.providers.openrouter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ralex.api.ApiKey;
import dev.ralex.api.Capability;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.LlmException;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.Pricing;
import dev.ralex.api.StreamHandler;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.api.Usage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;

/** Test fixtures: the wire samples, models, a provider against a MockWebServer, and a recording handler. */
final class Wire {
  static final String KEY = "sk-or-v1-test-secret-0123456789";
  static final ObjectMapper MAPPER = new ObjectMapper();

  static final ModelInfo LLAMA = ModelInfo.builder("openrouter/meta-llama/llama-3.1-8b-instruct")
      .contextWindow(131_072)
      .maxOutputTokens(16_384)
      .pricing(Pricing.FREE)
      .capabilities(Capability.TOOLS, Capability.STREAMING, Capability.SAMPLING_PARAMETERS, Capability.VISION)
      .build();

  /** A model whose catalog entry says it rejects sampling parameters. */
  static final ModelInfo NO_SAMPLING = ModelInfo.builder("openrouter/openai/gpt-6-luna")
      .contextWindow(400_000)
      .maxOutputTokens(128_000)
      .pricing(Pricing.FREE)
      .capabilities(Capability.TOOLS, Capability.STREAMING)
      .build();

  private Wire() {}

  /** A sample's bytes, unchanged. */
  static byte[] bytes(String name) {
    try (InputStream in = Wire.class.getResourceAsStream("/wire/openrouter/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no sample " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String text(String name) {
    return new String(bytes(name), StandardCharsets.UTF_8);
  }

  static Buffer buffer(String name) {
    return new Buffer().write(bytes(name));
  }

  static JsonNode json(String name) {
    try {
      return MAPPER.readTree(bytes(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static OpenRouterProvider openRouter(MockWebServer server) {
    return OpenRouterProvider.builder()
        .apiKey(ApiKey.of(KEY))
        .baseUrl(server.url("/api/v1").toString())
        .build();
  }

  static MockResponse json(int code, String sample) {
    return new MockResponse.Builder()
        .code(code)
        .setHeader("Content-Type", "application/json")
        .body(buffer(sample))
        .build();
  }

  static MockResponse sse(String sample) {
    return new MockResponse.Builder()
        .setHeader("Content-Type", "text/event-stream")
        .body(buffer(sample))
        .build();
  }

  static JsonNode body(RecordedRequest request) {
    try {
      return MAPPER.readTree(request.getBody().utf8());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Records every callback in order, as strings, and the terminal values. */
  static final class Recorder implements StreamHandler {
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<ToolUseBlock> toolUses = new CopyOnWriteArrayList<>();
    final List<LlmException> errors = new CopyOnWriteArrayList<>();
    final List<ChatResponse> completions = new CopyOnWriteArrayList<>();
    final StringBuilder text = new StringBuilder();
    final java.util.concurrent.CountDownLatch firstDelta = new java.util.concurrent.CountDownLatch(1);
    volatile Usage usage;

    @Override
    public void onTextDelta(String delta) {
      text.append(delta);
      events.add("text:" + delta);
      firstDelta.countDown();
    }

    @Override
    public void onThinkingDelta(String thinking) {
      events.add("thinking:" + thinking);
    }

    @Override
    public void onToolInputDelta(int blockIndex, String partialJson) {
      events.add("input:" + blockIndex + ":" + partialJson);
    }

    @Override
    public void onToolUse(ToolUseBlock toolUse) {
      toolUses.add(toolUse);
      events.add("tool:" + toolUse.id());
    }

    @Override
    public void onUsage(Usage u) {
      usage = u;
      events.add("usage");
    }

    @Override
    public void onComplete(ChatResponse response) {
      completions.add(response);
      events.add("complete");
    }

    @Override
    public void onError(LlmException error) {
      errors.add(error);
      events.add("error:" + error.kind());
    }
  }
}

package dev.ralex.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ralex.api.ApiKey;
import dev.ralex.api.Capability;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelTier;
import dev.ralex.api.Pricing;
import dev.ralex.providers.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Headers;

/** The copied wire samples, test models, and helpers to serve and read them. */
final class AnthropicWire {
  /** A key distinctive enough to find if it ever leaks into a message or log line. */
  static final String KEY = "test-anthropic-key-SECRET-c0ffee-4242";
  static final Instant NOW = Instant.parse("2026-11-23T13:02:41Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  /** Like the catalog's Claude Haiku 4.5: accepts sampling parameters. */
  static final ModelInfo HAIKU = ModelInfo.builder("anthropic/claude-haiku-4-5")
      .contextWindow(200_000)
      .maxOutputTokens(64_000)
      .tier(ModelTier.CHEAP)
      .capabilities(Capability.TOOLS, Capability.VISION, Capability.STREAMING, Capability.PROMPT_CACHING,
          Capability.SAMPLING_PARAMETERS, Capability.EXTENDED_THINKING)
      .pricing(new Pricing(new BigDecimal("1"), new BigDecimal("5"), new BigDecimal("0.10"), new BigDecimal("1.25"),
          "test", LocalDate.of(2026, 11, 25)))
      .build();

  /** Like the catalog's newer models: no sampling parameters, and a small output limit to test the default. */
  static final ModelInfo NO_SAMPLING = ModelInfo.builder("anthropic/claude-sonnet-5")
      .contextWindow(1_000_000)
      .maxOutputTokens(2_000)
      .capabilities(Capability.TOOLS, Capability.STREAMING)
      .pricing(Pricing.FREE)
      .build();

  private AnthropicWire() {}

  static String text(String name) {
    try (InputStream in = AnthropicWire.class.getResourceAsStream("/wire/anthropic/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no sample " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode json(String text) {
    try {
      return Json.MAPPER.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The headers of a {@code headers-*.txt} sample, without its status line. */
  static Headers headers(String name) {
    Headers.Builder b = new Headers.Builder();
    for (String line : text(name).split("\n")) {
      if (!line.isBlank() && !line.startsWith("HTTP/")) {
        b.add(line);
      }
    }
    return b.build();
  }

  static MockResponse.Builder json(int code, String body) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("content-type", "application/json")
        .addHeader("request-id", "req_test_" + code)
        .body(body);
  }

  static MockResponse.Builder sse(String body) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("content-type", "text/event-stream; charset=utf-8")
        .addHeader("request-id", "req_stream")
        .addHeader("anthropic-ratelimit-requests-remaining", "49")
        .body(body);
  }

  static AnthropicProvider provider(MockWebServer server) {
    return AnthropicProvider.builder()
        .apiKey(ApiKey.of(KEY))
        .baseUrl(server.url("/").toString())
        .clock(CLOCK)
        .build();
  }

  static AnthropicProvider provider(MockWebServer server, String version) {
    return AnthropicProvider.builder()
        .apiKey(ApiKey.of(KEY))
        .baseUrl(server.url("/").toString())
        .version(version)
        .clock(CLOCK)
        .build();
  }

  static JsonNode body(RecordedRequest request) {
    return json(request.getBody().utf8());
  }
}

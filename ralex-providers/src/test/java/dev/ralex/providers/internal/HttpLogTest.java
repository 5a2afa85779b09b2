package dev.ralex.providers.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import java.util.List;
import okhttp3.Headers;
import org.junit.jupiter.api.Test;

class HttpLogTest {
  @Test
  void credentialHeadersAreKnownByName() {
    for (String name : List.of("Authorization", "x-api-key", "X-API-Key", "api-key", "Proxy-Authorization",
        "Cookie", "Set-Cookie", "x-goog-api-key", "X-Auth-Token", "x-client-secret", "anthropic-auth")) {
      assertThat(HttpLog.isCredential(name)).as(name).isTrue();
    }
    for (String name : List.of("anthropic-version", "content-type", "anthropic-ratelimit-tokens-remaining",
        "x-ratelimit-remaining-tokens", "request-id", "HTTP-Referer", "X-OpenRouter-Title", "retry-after")) {
      assertThat(HttpLog.isCredential(name)).as(name).isFalse();
    }
  }

  @Test
  void headersAreWrittenWithCredentialValuesRedacted() {
    Headers headers = Headers.of("x-api-key", "k-123456", "anthropic-version", "2026-10-21",
        "Authorization", "Bearer tok-987654");
    String text = HttpLog.redactHeaders(headers, HttpLog.secrets(headers));
    assertThat(text).isEqualTo(
        "{x-api-key=<redacted>, anthropic-version=2026-10-21, Authorization=<redacted>}");
  }

  @Test
  void aBearerTokenIsASecretWithoutItsScheme() {
    assertThat(HttpLog.secrets(Headers.of("Authorization", "Bearer tok-987654", "x-api-key", " k-1 ")))
        .containsExactly("tok-987654", "k-1");
    assertThat(HttpLog.secrets(Headers.of("content-type", "application/json"))).isEmpty();
  }

  @Test
  void credentialQueryParametersAndEchoedSecretsAreRedactedInUrls() {
    assertThat(HttpLog.redactUrl("https://example.test/v1/x?key=abc&model=m&api_key=def&access_token=ghi",
        List.of()))
        .isEqualTo("https://example.test/v1/x?key=REDACTED&model=m&api_key=REDACTED&access_token=REDACTED");
    assertThat(HttpLog.redactUrl("https://example.test/tok-987654/v1", List.of("tok-987654")))
        .isEqualTo("https://example.test/<redacted>/v1");
  }

  @Test
  void bodiesAreCutAndCleanedOfSecrets() {
    try (WireLog log = new WireLog(Level.TRACE)) {
      HttpLog.body("{\"echo\":\"tok-987654\"}", List.of("tok-987654"));
      HttpLog.body("x".repeat(HttpLog.MAX_LOGGED_BODY_CHARS + 10), List.of());
      assertThat(log.lines()).hasSize(2);
      assertThat(log.lines().get(0)).isEqualTo("TRACE body: {\"echo\":\"<redacted>\"}");
      assertThat(log.lines().get(1)).endsWith("... (10 more chars)")
          .hasSize("TRACE body: ".length() + HttpLog.MAX_LOGGED_BODY_CHARS + "... (10 more chars)".length());
    }
  }

  @Test
  void nothingIsWrittenBelowDebug() {
    try (WireLog log = new WireLog(Level.INFO)) {
      assertThat(HttpLog.enabled()).isFalse();
      HttpLog.request("POST", "https://example.test/", Headers.of(), 3, new byte[] {'a', 'b', 'c'}, List.of());
      HttpLog.body("prompt text", List.of());
      HttpLog.event("content_block_delta", "answer text", List.of());
      assertThat(log.lines()).isEmpty();
    }
  }

  @Test
  void debugShowsRequestsButNotBodies() {
    try (WireLog log = new WireLog(Level.DEBUG)) {
      HttpLog.request("POST", "https://example.test/v1/messages", Headers.of("x-api-key", "k-1"), 3,
          new byte[] {'a', 'b', 'c'}, List.of("k-1"));
      HttpLog.body("prompt text", List.of());
      assertThat(log.lines()).containsExactly(
          "DEBUG --> POST https://example.test/v1/messages (3 body bytes) {x-api-key=<redacted>}");
    }
  }
}

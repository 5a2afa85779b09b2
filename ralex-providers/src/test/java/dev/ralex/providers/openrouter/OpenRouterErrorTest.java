package dev.ralex.providers.openrouter;

import static dev.ralex.providers.openrouter.Wire.LLAMA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ralex.api.ApiKey;
import dev.ralex.api.AuthenticationException;
import dev.ralex.api.BillingException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ContextTooLongException;
import dev.ralex.api.ErrorKind;
import dev.ralex.api.InvalidRequestException;
import dev.ralex.api.LlmException;
import dev.ralex.api.LlmTimeoutException;
import dev.ralex.api.NetworkException;
import dev.ralex.api.PermissionDeniedException;
import dev.ralex.api.ProviderException;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RateLimitedException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.SocketEffect;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

/** Every documented error status, errors in 200 bodies, and bodies that are not what they should be. */
class OpenRouterErrorTest {
  @StartStop
  final MockWebServer server = new MockWebServer();

  private LlmException fail(MockResponse response) {
    server.enqueue(response);
    LlmException e = catchThrowableOfType(LlmException.class,
        () -> Wire.openRouter(server).chat(LLAMA, ChatRequest.of("hi")));
    assertThat(e).as("an LlmException").isNotNull();
    assertThat(e.getMessage()).doesNotContain(Wire.KEY);
    assertThat(e.provider()).contains("openrouter");
    return e;
  }

  private static MockResponse status(int code, String body) {
    return new MockResponse.Builder().code(code).setHeader("Content-Type", "application/json").body(body).build();
  }

  @Test
  void contextTooLong() {
    LlmException e = fail(Wire.json(400, "error-400-context-length.json"));
    assertThat(e).isInstanceOf(ContextTooLongException.class);
    assertThat(e.isRetryable()).isFalse();
    assertThat(e.httpStatus()).hasValue(400);
    assertThat(e.getMessage()).contains("maximum context length is 131072 tokens").contains("DeepInfra");
  }

  @Test
  void badRequest() {
    LlmException e = fail(status(400, "{\"error\":{\"code\":400,\"message\":\"tools: invalid schema\"}}"));
    assertThat(e).isExactlyInstanceOf(InvalidRequestException.class);
    assertThat(e.getMessage()).contains("tools: invalid schema");
  }

  @Test
  void unauthorized() {
    LlmException e = fail(status(401, "{\"error\":{\"code\":401,\"message\":\"No auth credentials found\"}}"));
    assertThat(e).isInstanceOf(AuthenticationException.class);
    assertThat(e.isRetryable()).isFalse();
  }

  @Test
  void outOfCreditsIsBillingNotRetryableAndSaysSo() {
    LlmException e = fail(Wire.json(402, "error-402-credits.json"));
    assertThat(e).isInstanceOf(BillingException.class);
    assertThat(e.kind()).isEqualTo(ErrorKind.BILLING);
    assertThat(e.isRetryable()).isFalse();
    assertThat(e.getMessage()).contains("Insufficient credits").contains("out of credits").contains("status=402");
  }

  @Test
  void moderationNamesReasonsButNeverTheFlaggedInput() {
    LlmException e = fail(Wire.json(403, "error-403-moderation.json"));
    assertThat(e).isInstanceOf(PermissionDeniedException.class);
    assertThat(e.getMessage()).contains("harassment").contains("DeepInfra").doesNotContain("SECRET-USER-TEXT");
  }

  @Test
  void requestTimeout() {
    LlmException e = fail(status(408, "{\"error\":{\"code\":408,\"message\":\"Request timed out\"}}"));
    assertThat(e).isInstanceOf(LlmTimeoutException.class);
    assertThat(e.isRetryable()).isTrue();
  }

  @Test
  void rateLimitedWithRetryAfterIsRetryable() {
    LlmException e = fail(Wire.json(429, "error-429-rate-limit.json").newBuilder().setHeader("Retry-After", "7").build());
    assertThat(e).isInstanceOfSatisfying(RateLimitedException.class,
        r -> assertThat(r.retryAfter()).contains(Duration.ofSeconds(7)));
    assertThat(e.isRetryable()).isTrue();
    assertThat(e.rateLimits().orElseThrow().retryAfterHint()).contains(Duration.ofSeconds(7));
  }

  @Test
  void rateLimitedWithoutRetryAfterWaitsForTheResetInTheMetadata() {
    // The sample's X-RateLimit-Reset is 1732366980000 ms; the clock stands 12 s before it.
    Clock clock = Clock.fixed(Instant.ofEpochMilli(1732366968000L), ZoneOffset.UTC);
    server.enqueue(Wire.json(429, "error-429-rate-limit.json"));
    OpenRouterProvider provider = OpenRouterProvider.builder().apiKey(ApiKey.of(Wire.KEY))
        .baseUrl(server.url("/api/v1").toString()).clock(clock).build();
    RateLimitedException e = catchThrowableOfType(RateLimitedException.class,
        () -> provider.chat(LLAMA, ChatRequest.of("hi")));
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(12));
    assertThat(e.getMessage()).contains("free-models-per-min");
  }

  @Test
  void htmlBadGatewayStillSaysWhatHappened() {
    LlmException e = fail(new MockResponse.Builder().code(502).setHeader("Content-Type", "text/html")
        .body(Wire.buffer("error-502-html.txt")).build());
    assertThat(e).isInstanceOf(ProviderUnavailableException.class);
    assertThat(e.isRetryable()).isTrue();
    assertThat(e.httpStatus()).hasValue(502);
    assertThat(e.getMessage()).contains("502");
  }

  @Test
  void noProviderAvailable() {
    LlmException e = fail(status(503, "{\"error\":{\"code\":503,\"message\":\"No endpoints found that support tool use\"}}"));
    assertThat(e).isInstanceOf(ProviderUnavailableException.class);
    assertThat(e.getMessage()).contains("No endpoints found");
  }

  @Test
  void errorObjectInA200BodyIsAnError() {
    LlmException e = fail(Wire.json(200, "error-200-body.json"));
    assertThat(e).isInstanceOf(ProviderUnavailableException.class);
    assertThat(e.httpStatus()).hasValue(200);
    assertThat(e.getMessage()).contains("Upstream provider returned an invalid response").contains("DeepInfra");
  }

  @Test
  void malformedJsonIsAProviderError() {
    LlmException e = fail(status(200, "{\"id\":\"gen-1\",\"choices\":[{\"message\":{\"content\":\"Hello"));
    assertThat(e).isInstanceOf(ProviderException.class);
    assertThat(e.isRetryable()).isFalse();
    assertThat(e.getMessage()).contains("not valid JSON").doesNotContain("Hello");
  }

  @Test
  void emptyBody() {
    LlmException e = fail(status(200, ""));
    assertThat(e).isInstanceOf(ProviderException.class);
    assertThat(e.getMessage()).contains("empty body");
  }

  @Test
  void emptyErrorBodyKeepsTheStatus() {
    LlmException e = fail(status(500, ""));
    assertThat(e).isInstanceOf(ProviderUnavailableException.class);
    assertThat(e.getMessage()).contains("HTTP 500");
  }

  @Test
  void noChoices() {
    LlmException e = fail(status(200, "{\"id\":\"gen-1\",\"choices\":[]}"));
    assertThat(e).isInstanceOf(ProviderException.class);
  }

  @Test
  void connectionCutMidBodyIsANetworkFailure() {
    LlmException e = fail(Wire.json(200, "response-text.json").newBuilder()
        .onResponseBody(new SocketEffect.CloseSocket(true, false, false)).build());
    assertThat(e).isInstanceOf(NetworkException.class);
    assertThat(e.isRetryable()).isTrue();
  }

  @Test
  void asyncErrorsAreTheSameExceptions() throws Exception {
    server.enqueue(Wire.json(402, "error-402-credits.json"));
    ExecutionException e = catchThrowableOfType(ExecutionException.class,
        () -> Wire.openRouter(server).chatAsync(LLAMA, ChatRequest.of("hi"), Runnable::run).get(5, TimeUnit.SECONDS));
    assertThat(e.getCause()).isInstanceOf(BillingException.class);
  }

  @Test
  void connectionRefusedIsANetworkFailure() throws IOException {
    String url = server.url("/api/v1").toString();
    server.close();
    OpenRouterProvider provider = OpenRouterProvider.builder().apiKey(ApiKey.of(Wire.KEY)).baseUrl(url).build();
    LlmException e = catchThrowableOfType(LlmException.class, () -> provider.chat(LLAMA, ChatRequest.of("hi")));
    assertThat(e).isInstanceOf(NetworkException.class);
    assertThat(e.getMessage()).doesNotContain(Wire.KEY);
  }
}

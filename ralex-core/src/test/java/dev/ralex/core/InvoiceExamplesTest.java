package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.LlmException;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.NetworkException;
import dev.ralex.api.StopReason;
import dev.ralex.api.StreamHandle;
import dev.ralex.api.StreamHandler;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Worked invoices, priced by hand from the bundled catalog's published prices, against what Ralex records for
 * blocking, async and streaming calls. Cached tokens must never be charged twice, nor at the full input rate.
 *
 * <p>Providers normalise usage before Ralex prices it ({@link Usage}: {@code inputTokens} uncached, cache reads
 * and writes beside it); the wire mapping itself is tested in ralex-providers ({@code OpenRouterResponseTest},
 * the Anthropic response tests). Here the providers hand Ralex the normalised usage of each invoice.
 */
class InvoiceExamplesTest {
  private final ManualClock clock = ManualClock.at("2026-11-25T10:00:00Z");

  enum Mode { BLOCKING, ASYNC, STREAMING }

  /** Answers every call with one fixed response; streams it as text, usage, completion. */
  private static final class FixedProvider implements LlmProvider {
    private final String id;
    private final Usage usage;
    private final BigDecimal reportedCost;

    FixedProvider(String id, Usage usage, BigDecimal reportedCost) {
      this.id = id;
      this.usage = usage;
      this.reportedCost = reportedCost;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public ChatResponse chat(ModelInfo model, ChatRequest request) {
      return ChatResponse.builder().id("msg_1").model(model.id()).provider(id)
          .content(List.of(ContentBlock.text("ok"))).usage(usage).cost(reportedCost)
          .stopReason(StopReason.END_TURN).build();
    }

    @Override
    public StreamHandle stream(ModelInfo model, ChatRequest request, StreamHandler handler) {
      // As the real streams do: the input side of the usage first, the output count at the end.
      handler.onUsage(new Usage(usage.inputTokens(), 1, usage.cacheReadTokens(), usage.cacheWriteTokens()));
      handler.onTextDelta("ok");
      handler.onUsage(usage);
      ChatResponse response = chat(model, request);
      handler.onComplete(response);
      return StreamHandle.of(CompletableFuture.completedFuture(response), () -> {});
    }
  }

  private Ralex ralex(LlmProvider provider) {
    return Ralex.builder().provider(provider).clock(clock).sleeper(new RecordingSleeper(clock))
        .zone(ZoneOffset.UTC).dailyBudget(new BigDecimal("5.00")).build();
  }

  private static ChatResponse call(Ralex ralex, String model, Mode mode) throws Exception {
    ChatRequest request = ChatRequest.builder().model(model).addUserMessage("hi").maxOutputTokens(1_000).build();
    switch (mode) {
      case BLOCKING:
        return ralex.chat(request);
      case ASYNC:
        return ralex.chatAsync(request).get(10, TimeUnit.SECONDS);
      default:
        return ralex.stream(request, new StreamHandler() {
          @Override
          public void onComplete(ChatResponse response) {}

          @Override
          public void onError(LlmException error) {}
        }).completion().get(10, TimeUnit.SECONDS);
    }
  }

  /** The response's cost, the recorded cost, the day's spend and the budget's spend all equal {@code expected}. */
  private void assertBilled(Ralex ralex, ChatResponse response, String expected) {
    BigDecimal want = new BigDecimal(expected);
    assertThat(response.cost()).isEqualByComparingTo(want);
    List<UsageRecord> records = ralex.usage().records(Instant.EPOCH, clock.instant().plusSeconds(1));
    assertThat(records).singleElement().satisfies(r -> assertThat(r.cost()).isEqualByComparingTo(want));
    assertThat(ralex.usage().spentToday()).isEqualByComparingTo(want);
    assertThat(ralex.usage().snapshot(ChatRequest.of("x")).spent()).isEqualByComparingTo(want);
  }

  /**
   * Anthropic, Claude Haiku 4.5 (catalog: $1.00 input, $5.00 output, $0.10 cache read, $1.25 cache write per
   * million tokens). The Messages API reports {@code input_tokens: 1000, cache_creation_input_tokens: 2000,
   * cache_read_input_tokens: 10000, output_tokens: 500}: cache counts beside {@code input_tokens}, so 13,000
   * input tokens in all.
   * <pre>
   *   uncached input   1,000 x $1.00 / 1M = $0.0010
   *   cache write      2,000 x $1.25 / 1M = $0.0025
   *   cache read      10,000 x $0.10 / 1M = $0.0010
   *   output             500 x $5.00 / 1M = $0.0025
   *   total                                 $0.0070
   * </pre>
   * Charging the 12,000 cached tokens at the input rate would give $0.0155.
   */
  @ParameterizedTest
  @EnumSource(Mode.class)
  void anthropicInvoiceWithCacheReadsAndWrites(Mode mode) throws Exception {
    Usage usage = new Usage(1_000, 500, 10_000, 2_000);
    try (Ralex ralex = ralex(new FixedProvider("anthropic", usage, BigDecimal.ZERO))) {
      ChatResponse response = call(ralex, "anthropic/claude-haiku-4-5", mode);
      assertThat(response.usage().totalInputTokens()).isEqualTo(13_000);
      assertBilled(ralex, response, "0.0070");
    }
  }

  /**
   * OpenRouter (OpenAI-style usage), openai/gpt-6.1-sol (catalog: $2.00 input, $10.00 output, $0.10 cache read
   * per million). The response reports {@code prompt_tokens: 12000} with {@code prompt_tokens_details:
   * {cached_tokens: 10000}} and {@code completion_tokens: 500}: the prompt count includes the cached tokens, so
   * the provider maps it to 2,000 uncached input and 10,000 cache reads. No {@code usage.cost} is reported.
   * <pre>
   *   uncached input   2,000 x $2.00  / 1M = $0.004
   *   cache read      10,000 x $0.10  / 1M = $0.001
   *   output             500 x $10.00 / 1M = $0.005
   *   total                                  $0.010
   * </pre>
   * Charging all 12,000 prompt tokens at the input rate and the cache reads again would give $0.030; charging
   * them at the input rate once, $0.029.
   */
  @ParameterizedTest
  @EnumSource(Mode.class)
  void openAiStyleInvoiceWithCachedTokensInsidePromptTokens(Mode mode) throws Exception {
    Usage usage = new Usage(12_000 - 10_000, 500, 10_000, 0);
    try (Ralex ralex = ralex(new FixedProvider("openrouter", usage, BigDecimal.ZERO))) {
      ChatResponse response = call(ralex, "openrouter/openai/gpt-6.1-sol", mode);
      assertThat(response.usage().totalInputTokens()).isEqualTo(12_000);
      assertBilled(ralex, response, "0.010");
    }
  }

  /**
   * The same OpenRouter call when the response carries {@code usage.cost: 0.0098} (OpenRouter bills the
   * provider that really served it, here below list price): the reported cost is recorded as it is, not the
   * catalog price.
   */
  @ParameterizedTest
  @EnumSource(Mode.class)
  void openRouterReportedCostWinsOverCatalogPrices(Mode mode) throws Exception {
    Usage usage = new Usage(2_000, 500, 10_000, 0);
    try (Ralex ralex = ralex(new FixedProvider("openrouter", usage, new BigDecimal("0.0098")))) {
      ChatResponse response = call(ralex, "openrouter/openai/gpt-6.1-sol", mode);
      assertBilled(ralex, response, "0.0098");
    }
  }

  /**
   * A stream cut after content is billed for the usage reported so far, at the same separate rates. Anthropic
   * Haiku 4.5, the usage of the invoice above but 200 output tokens when the connection dropped:
   * $0.0010 + $0.0025 + $0.0010 + 200 x $5.00 / 1M ($0.0010) = $0.0055.
   */
  @org.junit.jupiter.api.Test
  void aCutStreamIsBilledForItsPartialUsageAtTheSameRates() throws Exception {
    LlmProvider cutting = new LlmProvider() {
      @Override
      public String id() {
        return "anthropic";
      }

      @Override
      public ChatResponse chat(ModelInfo model, ChatRequest request) {
        throw new AssertionError("streams only");
      }

      @Override
      public StreamHandle stream(ModelInfo model, ChatRequest request, StreamHandler handler) {
        handler.onUsage(new Usage(1_000, 1, 10_000, 2_000));
        handler.onTextDelta("partial");
        handler.onUsage(new Usage(1_000, 200, 10_000, 2_000));
        NetworkException cut = new NetworkException("stream cut", ErrorDetails.of("anthropic"));
        handler.onError(cut);
        return StreamHandle.of(CompletableFuture.failedFuture(cut), () -> {});
      }
    };
    try (Ralex ralex = ralex(cutting)) {
      ChatRequest request = ChatRequest.builder().model("anthropic/claude-haiku-4-5").addUserMessage("hi")
          .maxOutputTokens(1_000).build();
      CompletableFuture<LlmException> error = new CompletableFuture<>();
      ralex.stream(request, new StreamHandler() {
        @Override
        public void onComplete(ChatResponse response) {
          error.completeExceptionally(new AssertionError("the stream was cut"));
        }

        @Override
        public void onError(LlmException e) {
          error.complete(e);
        }
      });
      assertThat(error.get(10, TimeUnit.SECONDS)).isInstanceOf(NetworkException.class);
      assertThat(ralex.usage().spentToday()).isEqualByComparingTo("0.0055");
      assertThat(ralex.usage().records(Instant.EPOCH, clock.instant().plusSeconds(1))).singleElement()
          .satisfies(r -> assertThat(r.cost()).isEqualByComparingTo("0.0055"));
    }
  }
}

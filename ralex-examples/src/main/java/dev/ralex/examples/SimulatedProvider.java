package dev.ralex.examples;

import dev.ralex.api.Capability;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.LlmException;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.Message;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelTier;
import dev.ralex.api.Pricing;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.StopReason;
import dev.ralex.api.StreamHandle;
import dev.ralex.api.StreamHandler;
import dev.ralex.api.TokenEstimates;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A SIMULATED provider: no network, no key, no real model. It lets the demo run Ralex's real pipeline (selection,
 * budgets, retries, usage and cost accounting, listeners, streaming, conversations) offline.
 *
 * <p>It serves three models under the provider id {@code simulated}, priced like real Anthropic models so that
 * the costs the demo prints are realistic. Register them with {@code Ralex.builder().addModels(...)}. Answers are
 * canned and deterministic, the same as {@link SimulatedLlmServer}'s: the first rule whose keyword appears in the
 * last user message wins, and a request with tools gets a call of its first tool. Usage is computed, not
 * measured: input tokens from {@link TokenEstimates}, output tokens from the length of the answer.
 *
 * <p>It can also fail once with an overload ({@link #overloadOnce(String)}), as a busy real service does, so that
 * the demo shows a retry. Thread-safe.
 */
public final class SimulatedProvider implements LlmProvider {
  /** The provider id, the prefix of the simulated models' ids. */
  public static final String ID = "simulated";

  private static final LocalDate PRICES_AS_OF = LocalDate.of(2026, 11, 25);

  /** Cheap tier, priced like Claude Haiku 4.5 in the bundled catalog. */
  public static final ModelInfo HAIKU_CLASS = model("haiku-class", "Haiku-class (simulated)", ModelTier.CHEAP,
      200_000, 64_000, "1.00", "5.00", "0.10", "1.25", "Claude Haiku 4.5");

  /** Balanced tier, priced like Claude Sonnet 4.6 in the bundled catalog. */
  public static final ModelInfo SONNET_CLASS = model("sonnet-class", "Sonnet-class (simulated)",
      ModelTier.BALANCED, 1_000_000, 128_000, "3.00", "15.00", "0.30", "3.75", "Claude Sonnet 4.6");

  /** Strong tier, priced like Claude Opus 4.6 in the bundled catalog. */
  public static final ModelInfo OPUS_CLASS = model("opus-class", "Opus-class (simulated)", ModelTier.STRONG,
      1_000_000, 128_000, "5.00", "25.00", "0.50", "6.25", "Claude Opus 4.6");

  private final CannedAnswers.OneShotMarker overloadMarker = new CannedAnswers.OneShotMarker();
  private final AtomicInteger calls = new AtomicInteger();

  private static ModelInfo model(String name, String displayName, ModelTier tier, int contextWindow, int maxOutput,
      String input, String output, String cacheRead, String cacheWrite, String pricedLike) {
    Pricing pricing = new Pricing(new BigDecimal(input), new BigDecimal(output), new BigDecimal(cacheRead),
        new BigDecimal(cacheWrite), "simulated, priced like " + pricedLike, PRICES_AS_OF);
    return ModelInfo.builder(ID + "/" + name)
        .displayName(displayName)
        .contextWindow(contextWindow)
        .maxOutputTokens(maxOutput)
        .pricing(pricing)
        .tier(tier)
        .capabilities(Capability.TOOLS, Capability.STREAMING)
        .build();
  }

  /**
   * Makes the first request whose last user message contains {@code marker} (case-insensitive) fail once with a
   * {@link ProviderUnavailableException} saying the service is overloaded, as HTTP 529 does. The retry succeeds.
   *
   * @return this provider
   */
  public SimulatedProvider overloadOnce(String marker) {
    overloadMarker.arm(marker);
    return this;
  }

  /** How many requests this provider received, failed ones included. */
  public int calls() {
    return calls.get();
  }

  @Override
  public String id() {
    return ID;
  }

  @Override
  public ChatResponse chat(ModelInfo model, ChatRequest request) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(request, "request");
    int n = calls.incrementAndGet();
    maybeOverload(request);
    ContentBlock answer;
    long outputTokens;
    StopReason stop;
    if (CannedAnswers.callsTool(!request.tools().isEmpty(), endsWithToolResult(request))) {
      ToolUseBlock use = new ToolUseBlock("toolu_sim_" + n, request.tools().get(0).name(),
          CannedAnswers.toolInput(request.lastUserText()));
      answer = use;
      outputTokens = CannedAnswers.toolCallTokens(use.name(), use.inputJson());
      stop = StopReason.TOOL_USE;
    } else {
      String text = CannedAnswers.answer(request.lastUserText());
      answer = ContentBlock.text(text);
      outputTokens = TokenEstimates.estimateText(text);
      stop = StopReason.END_TURN;
    }
    Usage usage = Usage.of(estimateInputTokens(model, request), outputTokens);
    return ChatResponse.builder()
        .id("msg_sim_" + n)
        .content(List.of(answer))
        .model(model.id())
        .provider(ID)
        .usage(usage)
        .stopReason(stop)
        .build();
  }

  /**
   * Streams the canned answer word by word, as a real provider's server-sent events would arrive. Runs on the
   * calling thread and returns when the stream has ended.
   */
  @Override
  public StreamHandle stream(ModelInfo model, ChatRequest request, StreamHandler handler) {
    Objects.requireNonNull(handler, "handler");
    CompletableFuture<ChatResponse> completion = new CompletableFuture<>();
    ChatResponse response;
    try {
      response = chat(model, request);
    } catch (LlmException e) {
      completion.completeExceptionally(e);
      handler.onError(e);
      return StreamHandle.of(completion, () -> {});
    }
    for (String piece : CannedAnswers.words(response.text())) {
      handler.onTextDelta(piece);
    }
    for (ToolUseBlock use : response.toolUses()) {
      handler.onToolUse(use);
    }
    handler.onUsage(response.usage());
    completion.complete(response);
    handler.onComplete(response);
    return StreamHandle.of(completion, () -> {});
  }

  private void maybeOverload(ChatRequest request) {
    if (overloadMarker.fires(request.lastUserText())) {
      throw new ProviderUnavailableException("SIMULATED overload: the service is busy, try again",
          true, ErrorDetails.of(ID, 529, null));
    }
  }

  private static boolean endsWithToolResult(ChatRequest request) {
    List<Message> messages = request.messages();
    for (ContentBlock block : messages.get(messages.size() - 1).content()) {
      if (block instanceof ToolResultBlock) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "SimulatedProvider[" + ID + "]";
  }
}

package dev.ralex.core.testing;

import dev.ralex.api.Capability;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.LlmException;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelTier;
import dev.ralex.api.Pricing;
import dev.ralex.api.StopReason;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A provider for the tests of Ralex's optional modules (shipped in ralex-core's test jar), id {@code test}: answers every call with {@link #USAGE}, except that each model fails
 * first with the failures queued for it. Thread-safe.
 */
public final class InMemoryProvider implements LlmProvider {
  /** $1 / $2 per million input / output tokens. */
  public static final ModelInfo SMALL = model("test/small", "1", "2", ModelTier.CHEAP);
  /** $10 / $30 per million input / output tokens. */
  public static final ModelInfo LARGE = model("test/large", "10", "30", ModelTier.STRONG);
  /** What each answer bills: 100 input tokens (60 of them cache reads), 20 output tokens. */
  public static final Usage USAGE = new Usage(40, 20, 60, 0);

  private final Map<String, Queue<LlmException>> failures = new ConcurrentHashMap<>();

  private static ModelInfo model(String id, String in, String out, ModelTier tier) {
    return ModelInfo.builder(id)
        .contextWindow(100_000)
        .maxOutputTokens(500)
        .tier(tier)
        .capabilities(Capability.TOOLS, Capability.STREAMING, Capability.SAMPLING_PARAMETERS)
        .pricing(new Pricing(new BigDecimal(in), new BigDecimal(out), BigDecimal.ZERO, BigDecimal.ZERO, "test",
            LocalDate.of(2026, 11, 25)))
        .build();
  }

  /** The next call to {@code model} fails with {@code error}. */
  public InMemoryProvider thenFail(ModelInfo model, LlmException error) {
    failures.computeIfAbsent(model.id(), m -> new ConcurrentLinkedQueue<>()).add(error);
    return this;
  }

  @Override
  public String id() {
    return "test";
  }

  @Override
  public List<ModelInfo> models() {
    return List.of(SMALL, LARGE);
  }

  @Override
  public ChatResponse chat(ModelInfo model, ChatRequest request) {
    Queue<LlmException> queue = failures.get(model.id());
    LlmException failure = queue == null ? null : queue.poll();
    if (failure != null) {
      throw failure;
    }
    return ChatResponse.builder()
        .id("msg_1")
        .content(List.of(ContentBlock.text("ok")))
        .model(model.id())
        .provider(model.provider())
        .usage(USAGE)
        .stopReason(StopReason.END_TURN)
        .build();
  }
}

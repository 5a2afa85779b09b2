package dev.ralex.bench;

import dev.ralex.api.Capability;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelTier;
import dev.ralex.api.Pricing;
import dev.ralex.api.StopReason;
import dev.ralex.api.Usage;
import dev.ralex.core.ModelCatalog;
import dev.ralex.core.Ralex;
import dev.ralex.core.RateLimit;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pipeline's own cost per call: a 1 KB prompt through {@code Ralex.chat} (selection, fitting, budget
 * reservation, rate-limit permit, usage recording, feedback) against a provider that answers instantly with a
 * prebuilt response, compared with calling that provider directly. Run with {@code -prof gc} for allocation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx1g"})
public class PipelineOverheadBenchmark {
  static final ModelInfo MODEL = ModelInfo.builder("instant/model")
      .contextWindow(200_000)
      .maxOutputTokens(8_192)
      .tier(ModelTier.CHEAP)
      .capabilities(Capability.TOOLS, Capability.STREAMING)
      .pricing(new Pricing(new BigDecimal("1.00"), new BigDecimal("5.00"), new BigDecimal("0.10"),
          new BigDecimal("1.25"), "benchmark", LocalDate.of(2026, 11, 25)))
      .build();

  /** Answers every call at once with the same response, so only Ralex's own work is measured. */
  static final class InstantProvider implements LlmProvider {
    private final ChatResponse response = ChatResponse.builder()
        .id("msg_bench")
        .content(List.of(ContentBlock.text("Done.")))
        .model(MODEL.id())
        .provider("instant")
        .usage(Usage.of(260, 3))
        .stopReason(StopReason.END_TURN)
        .build();

    @Override
    public String id() {
      return "instant";
    }

    @Override
    public ChatResponse chat(ModelInfo model, ChatRequest request) {
      return response;
    }
  }

  private Ralex ralex;
  private InstantProvider provider;
  private ChatRequest request;

  @Setup(Level.Trial)
  public void setUp() {
    provider = new InstantProvider();
    ralex = Ralex.builder()
        .provider(provider)
        .catalog(ModelCatalog.of(List.of(MODEL)))
        .dailyBudget(new BigDecimal("1000000"))
        // Limits far above what the benchmark reaches, so every call takes real permits and never waits.
        .rateLimit(RateLimit.of("instant", Integer.MAX_VALUE, Long.MAX_VALUE))
        .maxUsageRecords(0)
        .build();
    // A 1 KB prompt, the size the target names.
    String prompt = "Please fix the off-by-one error in this loop and explain the change briefly. ".repeat(14)
        .substring(0, 1024);
    request = ChatRequest.builder().addUserMessage(prompt).maxOutputTokens(1024).build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    ralex.close();
  }

  /** The whole pipeline. */
  @Benchmark
  public ChatResponse ralexChat() {
    return ralex.chat(request);
  }

  /** The provider alone: the floor the pipeline adds to. */
  @Benchmark
  public ChatResponse providerDirect() {
    return provider.chat(MODEL, request);
  }
}

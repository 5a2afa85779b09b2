package dev.ralex.bandit;

import static dev.ralex.bandit.Fixtures.context;
import static dev.ralex.bandit.Fixtures.model;
import static dev.ralex.bandit.Fixtures.success;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.ErrorKind;
import dev.ralex.api.Feedback;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.Selection;
import dev.ralex.api.Usage;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LinUcbSelectorTest {
  static final ModelInfo SONNET = model("anthropic/claude-sonnet-4-5");
  static final ModelInfo GPT = model("openai/gpt-4o");
  static final ModelInfo LLAMA = model("openrouter/meta-llama/llama-3.1-8b-instruct");
  static final List<ModelInfo> THREE = List.of(SONNET, GPT, LLAMA);

  static final List<String> SPEED_PROMPTS = List.of(
      "Quick: what is the capital of France? Keep it brief.",
      "Fast answer please, how many days are in a leap year?",
      "Briefly, what does HTTP 404 mean? asap",
      "Quick one: convert 10 miles to km, short answer.",
      "Urgent, simple question: is Sunday a weekday?");
  static final List<String> HARD_PROMPTS = List.of(
      "Explain why this design has a race condition and prove the fix is correct, step by step.",
      "Analyze the tradeoffs of event sourcing versus CRUD for our billing system and design a plan.",
      "Refactor this Java class to remove the bug in the retry method and explain the reasoning.");

  /** The issue's test: llama is fastest and good enough for speed-priority requests. */
  @Test
  void learnsThatLlamaIsGoodEnoughForSpeedPriorityRequestsWithinTwentyRounds() {
    LinUcbSelector selector = LinUcbSelector.builder().build();
    List<String> picks = new ArrayList<>();
    for (int round = 0; round < 20; round++) {
      String id = "speed-" + round;
      Selection s = selector.select(context(id, SPEED_PROMPTS.get(round % SPEED_PROMPTS.size()), THREE));
      picks.add(s.model().id());
      selector.feedback(speedOutcome(id, s.model()));
    }
    long llama = picks.stream().filter(LLAMA.id()::equals).count();
    assertThat(llama).as("picks: %s", picks).isGreaterThan(10);
    assertThat(picks.subList(15, 20)).as("picks: %s", picks).containsOnly(LLAMA.id());
    assertThat(selector.stats().get(LLAMA.id()).estimatedValue())
        .isGreaterThan(selector.stats().get(SONNET.id()).estimatedValue());
  }

  /** For a speed-priority request: every model answers well enough; llama is far faster and cheaper. */
  static Feedback speedOutcome(String callId, ModelInfo m) {
    if (m.equals(LLAMA)) {
      return success(callId, m, 0.85, 400, "0.0002");
    }
    if (m.equals(GPT)) {
      return success(callId, m, 0.9, 2_500, "0.006");
    }
    return success(callId, m, 0.95, 4_000, "0.012");
  }

  @Test
  void learnsWhichArmIsBestForWhichPattern() {
    ModelInfo a = model("test/a");
    ModelInfo b = model("test/b");
    LinUcbSelector selector = LinUcbSelector.builder().build();
    Random rnd = new Random(11);
    int correct = 0;
    int measured = 0;
    for (int round = 0; round < 300; round++) {
      boolean hard = rnd.nextBoolean();
      List<String> prompts = hard ? HARD_PROMPTS : SPEED_PROMPTS;
      String id = "c" + round;
      Selection s = selector.select(context(id, prompts.get(rnd.nextInt(prompts.size())), List.of(a, b)));
      // a is best for speed-priority prompts, b for hard ones; same cost and latency, quality differs.
      boolean best = hard ? s.model().equals(b) : s.model().equals(a);
      double quality = (best ? 0.9 : 0.3) + (rnd.nextDouble() - 0.5) * 0.1;
      selector.feedback(success(id, s.model(), quality, 1_000, "0.001"));
      if (round >= 200) {
        measured++;
        correct += best ? 1 : 0;
      }
    }
    assertThat((double) correct / measured).isGreaterThan(0.8);
  }

  @Test
  void fallbacksAreTheOtherCandidatesByEstimatedValueAndTheReasonNamesTheScore() {
    LinUcbSelector selector = LinUcbSelector.builder().alpha(0).build();
    for (int i = 0; i < 30; i++) {
      String id = "w" + i;
      Selection s = selector.select(context(id, "hello there", THREE));
      selector.feedback(success(id, s.model(), s.model().equals(GPT) ? 1.0 : s.model().equals(LLAMA) ? 0.5 : 0.0,
          100, "0.001"));
    }
    Selection s = selector.select(context("last", "hello there", THREE));
    assertThat(s.model()).isEqualTo(GPT);
    assertThat(s.fallbacks()).containsExactly(LLAMA, SONNET);
    assertThat(s.reason()).contains("estimated value").contains("exploration bonus");
  }

  @Test
  void failureFeedbackKeepsTheFeaturesForTheFallbackAndUnknownCallsAreDropped() {
    LinUcbSelector selector = LinUcbSelector.builder().maxPending(2).build();
    selector.select(context("c1", "hi", THREE));
    selector.feedback(new Feedback("c1", SONNET, Optional.of(ErrorKind.UNAVAILABLE), Duration.ofMillis(10),
        BigDecimal.ZERO, Usage.ZERO, OptionalDouble.empty(), Optional.empty()));
    assertThat(selector.pendingCalls()).isEqualTo(1);
    selector.feedback(success("c1", GPT, 1.0, 10, "0.001"));
    assertThat(selector.pendingCalls()).isZero();
    assertThat(selector.stats().get(SONNET.id()).pulls()).isEqualTo(1);
    assertThat(selector.stats().get(GPT.id()).pulls()).isEqualTo(1);

    selector.select(context("c2", "hi", THREE));
    selector.select(context("c3", "hi", THREE));
    selector.select(context("c4", "hi", THREE));
    selector.feedback(success("c2", GPT, 1.0, 10, "0.001"));
    selector.feedback(success("never", GPT, 1.0, 10, "0.001"));
    assertThat(selector.droppedFeedback()).isEqualTo(2);
    selector.feedback(success("c4", GPT, 1.0, 10, "0.001"));
    assertThat(selector.stats().get(GPT.id()).pulls()).isEqualTo(2);
  }

  @Test
  void eightThreadsDecideAndUpdateConcurrently() throws Exception {
    LinUcbSelector selector = LinUcbSelector.builder().build();
    int threads = 8;
    int perThread = 2_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    AtomicInteger fed = new AtomicInteger();
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      futures.add(pool.submit(() -> {
        Random rnd = new Random(thread);
        for (int i = 0; i < perThread; i++) {
          String id = "t" + thread + "-" + i;
          List<String> prompts = rnd.nextBoolean() ? SPEED_PROMPTS : HARD_PROMPTS;
          Selection s = selector.select(context(id, prompts.get(rnd.nextInt(prompts.size())), THREE));
          selector.feedback(speedOutcome(id, s.model()));
          fed.incrementAndGet();
        }
        return null;
      }));
    }
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    long pulls = selector.stats().values().stream().mapToLong(LinUcb.ArmStats::pulls).sum();
    assertThat(pulls).isEqualTo(fed.get()).isEqualTo(threads * perThread);
    assertThat(selector.pendingCalls()).isZero();
    assertThat(selector.droppedFeedback()).isZero();
    for (LinUcb.ArmStats s : selector.stats().values()) {
      assertThat(s.meanReward()).isBetween(0.0, 1.0);
      assertThat(s.estimatedValue()).isFinite();
    }
  }

  @Test
  void aSavedAndLoadedSelectorDecidesIdentically() {
    LinUcbSelector selector = LinUcbSelector.builder().build();
    Random rnd = new Random(5);
    for (int i = 0; i < 100; i++) {
      String id = "r" + i;
      List<String> prompts = rnd.nextBoolean() ? SPEED_PROMPTS : HARD_PROMPTS;
      Selection s = selector.select(context(id, prompts.get(rnd.nextInt(prompts.size())), THREE));
      selector.feedback(speedOutcome(id, s.model()));
    }
    StringWriter out = new StringWriter();
    selector.save(out);
    LinUcbSelector copy = LinUcbSelector.builder().state(new StringReader(out.toString())).build();
    assertThat(copy.stats()).isEqualTo(selector.stats());
    for (int i = 0; i < 40; i++) {
      List<String> prompts = i % 2 == 0 ? SPEED_PROMPTS : HARD_PROMPTS;
      String prompt = prompts.get(i % prompts.size()) + " #" + i;
      Selection a = selector.select(context("q" + i, prompt, THREE));
      Selection b = copy.select(context("q" + i, prompt, THREE));
      assertThat(b).isEqualTo(a);
    }
    Map<String, LinUcb.ArmStats> stats = copy.stats();
    assertThat(stats).containsOnlyKeys(SONNET.id(), GPT.id(), LLAMA.id());
  }
}

package dev.ralex.bandit.replay;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model-calling policy under replay: per test prompt it may call several models, one at a time, paying for
 * each call, and then gives one called model's answer; accuracy is that model's correctness. A call reveals the
 * model's response text and cost, never whether it is correct. After the prompt, the policy learns the
 * correctness of every model it called. Like {@link ReplaySelector}, it may learn from the training prompts with
 * every outcome revealed first. One instance serves one pass over the test prompts; not thread-safe.
 *
 * <p>A single-choice {@link ReplaySelector} runs as a policy through {@link #of(ReplaySelector)}: it calls the
 * model it chooses and nothing else, so its numbers do not change.
 */
public interface ReplayPolicy {
  /** The name in the report. */
  String name();

  /** Learns from the training prompts, every model's outcome revealed; by default ignores them. */
  default void warmStart(RouterBenchData train) {}

  /**
   * Answers {@code prompt}: calls models through {@code calls} and returns the index of the called model whose
   * answer it gives. Implementations must use only {@link RouterBenchData.Prompt#text()} and the responses they
   * paid for, never the task name or outcomes.
   */
  int answer(RouterBenchData.Prompt prompt, Calls calls);

  /** Learns the correctness of the models called for {@code prompt}, in call order; by default ignores it. */
  default void observe(RouterBenchData.Prompt prompt, List<Outcome> outcomes) {}

  /**
   * Numbers the report adds for this policy after its pass (for example {@code escalationShare}); by default
   * none. Values are averaged over the seeds.
   */
  default Map<String, Double> diagnostics() {
    return Map.of();
  }

  /** The models a policy may call for the current prompt. */
  interface Calls {
    /**
     * Calls {@code model} (an index in the data's model order), charging its cost, and returns its response.
     * Calling a model again for the same prompt returns the same response without a second charge.
     */
    Response call(int model);
  }

  /**
   * What a call reveals.
   *
   * @param model the model's index
   * @param text its response text ({@code ""} when the data has none)
   * @param cost the dollar cost of the call
   */
  record Response(int model, String text, double cost) {
    /** Checks for null. */
    public Response {
      Objects.requireNonNull(text, "text");
    }
  }

  /**
   * A called model's outcome, revealed after the prompt.
   *
   * @param model the model's index
   * @param correct whether its answer was correct
   * @param cost what the call cost
   */
  record Outcome(int model, boolean correct, double cost) {}

  /** Makes a fresh policy for one seeded pass. */
  @FunctionalInterface
  interface Factory {
    /** A fresh policy for the pass with {@code seed}. */
    ReplayPolicy create(long seed);
  }

  /**
   * {@code selector} as a policy: it calls the chosen model only and learns only that model's outcome, exactly
   * as a single-choice selector did before.
   */
  static ReplayPolicy of(ReplaySelector selector) {
    Objects.requireNonNull(selector, "selector");
    return new ReplayPolicy() {
      @Override
      public String name() {
        return selector.name();
      }

      @Override
      public void warmStart(RouterBenchData train) {
        selector.warmStart(train);
      }

      @Override
      public int answer(RouterBenchData.Prompt prompt, Calls calls) {
        int m = selector.choose(prompt);
        calls.call(m);
        return m;
      }

      @Override
      public void observe(RouterBenchData.Prompt prompt, List<Outcome> outcomes) {
        for (Outcome o : outcomes) {
          selector.observe(prompt, o.model(), o.correct(), o.cost());
        }
      }
    };
  }
}

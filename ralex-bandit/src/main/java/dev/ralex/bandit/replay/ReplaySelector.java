package dev.ralex.bandit.replay;

/**
 * A model selector under replay: it may learn from the training prompts with every model's outcome revealed,
 * then picks one model per test prompt from the prompt's text and learns only that model's outcome. One
 * instance serves one pass over the test prompts; not thread-safe.
 */
public interface ReplaySelector {
  /** The name in the report. */
  String name();

  /** Learns from the training prompts, every model's outcome revealed; by default ignores them. */
  default void warmStart(RouterBenchData train) {}

  /**
   * The index (in the data's model order) of the model to send {@code prompt} to. Implementations must use
   * only {@link RouterBenchData.Prompt#text()}, never the task name or outcomes.
   */
  int choose(RouterBenchData.Prompt prompt);

  /** Learns the chosen model's outcome; by default ignores it. */
  default void observe(RouterBenchData.Prompt prompt, int model, boolean correct, double cost) {}

  /** Makes a fresh selector for one seeded pass. */
  @FunctionalInterface
  interface Factory {
    /** A fresh selector for the pass with {@code seed}. */
    ReplaySelector create(long seed);
  }
}

package dev.ralex.bandit.replay;

import java.util.Random;

/** The fixed baselines a learned selector is compared with. */
public final class Baselines {
  private Baselines() {}

  /** Always the model at {@code index}. */
  public static ReplaySelector always(String name, int index) {
    return new ReplaySelector() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public int choose(RouterBenchData.Prompt prompt) {
        return index;
      }
    };
  }

  /** A model drawn uniformly at random from {@code models}, seeded. */
  public static ReplaySelector random(int models, long seed) {
    Random rng = new Random(seed * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L); // not the order's seed
    return new ReplaySelector() {
      @Override
      public String name() {
        return "random";
      }

      @Override
      public int choose(RouterBenchData.Prompt prompt) {
        return rng.nextInt(models);
      }
    };
  }

  /**
   * The fixed mix: the {@code t}-th prompt goes to the strong model when {@code floor((t + 1) f) > floor(t f)},
   * so after {@code n} prompts exactly {@code floor(n f)} went to it; the prompts' order is what randomises it.
   */
  public static ReplaySelector mix(String name, TwoModelMix mix) {
    return new ReplaySelector() {
      private long t;

      @Override
      public String name() {
        return name;
      }

      @Override
      public int choose(RouterBenchData.Prompt prompt) {
        double f = mix.fraction();
        boolean strong = Math.floor((t + 1) * f + 1e-9) > Math.floor(t * f + 1e-9);
        t++;
        return strong ? mix.strong() : mix.weak();
      }
    };
  }
}

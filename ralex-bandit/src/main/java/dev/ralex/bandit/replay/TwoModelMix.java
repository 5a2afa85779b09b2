package dev.ralex.bandit.replay;

/**
 * A fixed mix of two models: a share {@code fraction} of prompts goes to {@code strong}, the rest to
 * {@code weak}. {@link #fit} picks the cheapest such mix whose expected accuracy reaches a target share of the
 * best single model's, on the data it is given.
 *
 * @param weak the index of the model that gets {@code 1 - fraction} of the prompts
 * @param strong the index of the model that gets {@code fraction} of the prompts
 * @param fraction the share sent to {@code strong}, in [0, 1]
 * @param expectedAccuracy the mix's accuracy on the fitting data
 * @param expectedCost the mix's mean cost per prompt on the fitting data
 */
public record TwoModelMix(int weak, int strong, double fraction, double expectedAccuracy, double expectedCost) {

  /**
   * The cheapest mix (by mean cost) of two models, or of one alone, whose expected accuracy on {@code data} is at
   * least {@code targetShare} times the best single model's accuracy; exact (the fraction is the smallest that
   * reaches the target).
   */
  public static TwoModelMix fit(RouterBenchData data, double targetShare) {
    double[] acc = data.accuracy();
    double[] cost = data.totalCost();
    int n = Math.max(1, data.prompts().size());
    double best = 0;
    for (double a : acc) {
      best = Math.max(best, a);
    }
    double target = targetShare * best;
    TwoModelMix winner = null;
    for (int s = 0; s < acc.length; s++) {
      if (acc[s] >= target - 1e-12) {
        TwoModelMix single = new TwoModelMix(s, s, 1.0, acc[s], cost[s] / n);
        winner = cheaper(winner, single);
      }
      for (int w = 0; w < acc.length; w++) {
        if (w == s || acc[w] >= target || acc[s] < target) {
          continue;
        }
        double f = (target - acc[w]) / (acc[s] - acc[w]);
        double mixAcc = (1 - f) * acc[w] + f * acc[s];
        double mixCost = ((1 - f) * cost[w] + f * cost[s]) / n;
        winner = cheaper(winner, new TwoModelMix(w, s, f, mixAcc, mixCost));
      }
    }
    return winner;
  }

  private static TwoModelMix cheaper(TwoModelMix a, TwoModelMix b) {
    return a == null || b.expectedCost() < a.expectedCost() - 1e-15 ? b : a;
  }
}

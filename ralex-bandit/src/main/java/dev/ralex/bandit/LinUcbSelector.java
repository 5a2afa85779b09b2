package dev.ralex.bandit;

import dev.ralex.api.Feedback;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelSelector;
import dev.ralex.api.RoutingContext;
import dev.ralex.api.Selection;
import java.io.Reader;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link ModelSelector} that learns which model pays best for which request: disjoint {@link LinUcb} with one
 * arm per model id, over the features of a {@link FeatureExtractor}, rewarded by a {@link RewardFunction}.
 *
 * <p>{@link #select} picks the candidate with the highest upper confidence bound and orders the other candidates
 * by estimated value as fallbacks. It remembers the call's features under its call id until the feedback comes:
 * a failed attempt's feedback teaches its model and keeps the features (a retry or fallback of the same call may
 * follow); a success's feedback teaches its model and forgets them. At most {@link Builder#maxPending(int)} calls
 * are remembered; beyond that the oldest are dropped, and feedback for them, or for a call id never seen, is
 * ignored (counted in {@link #droppedFeedback()}).
 *
 * <p>A model seen for the first time starts at its {@linkplain Builder#prior(Prior) prior value}
 * (a warm start; 0.5 by default). Thread-safe: see {@link LinUcb} for the bandit's locking; the pending map takes
 * one short lock.
 */
public final class LinUcbSelector implements ModelSelector {
  private final LinUcb bandit;
  private final FeatureExtractor extractor;
  private final RewardFunction reward;
  private final Prior prior;
  private final Map<String, double[]> pending;
  private final AtomicLong dropped = new AtomicLong();

  private LinUcbSelector(Builder b, LinUcb bandit) {
    this.bandit = bandit;
    this.extractor = b.extractor;
    this.reward = b.reward;
    this.prior = b.prior;
    int maxPending = b.maxPending;
    this.pending = new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
        return size() > maxPending;
      }
    };
  }

  /** A builder with the defaults: {@link DefaultFeatureExtractor}, {@link RewardFunction#defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Selection select(RoutingContext context) {
    Objects.requireNonNull(context, "context");
    double[] x = extractor.extract(context);
    List<ModelInfo> candidates = context.candidates();
    List<String> ids = new ArrayList<>(candidates.size());
    for (ModelInfo m : candidates) {
      if (!bandit.hasArm(m.id())) {
        bandit.addArm(m.id(), prior.valueOf(m));
      }
      ids.add(m.id());
    }
    List<LinUcb.Score> scores = bandit.scores(x, ids);
    int best = 0;
    for (int i = 1; i < scores.size(); i++) {
      if (scores.get(i).ucb() > scores.get(best).ucb()) {
        best = i;
      }
    }
    List<Integer> rest = new ArrayList<>();
    for (int i = 0; i < scores.size(); i++) {
      if (i != best) {
        rest.add(i);
      }
    }
    rest.sort(Comparator.comparingDouble((Integer i) -> -scores.get(i).estimate()));
    List<ModelInfo> fallbacks = new ArrayList<>(rest.size());
    for (int i : rest) {
      fallbacks.add(candidates.get(i));
    }
    synchronized (pending) {
      pending.put(context.callId(), x);
    }
    LinUcb.Score s = scores.get(best);
    String reason = String.format(Locale.ROOT,
        "linucb: estimated value %.3f + exploration bonus %.3f = %.3f (%d pulls) among %d candidates",
        s.estimate(), s.bonus(), s.ucb(), s.pulls(), candidates.size());
    return new Selection(candidates.get(best), fallbacks, reason);
  }

  @Override
  public void feedback(Feedback feedback) {
    Objects.requireNonNull(feedback, "feedback");
    double[] x;
    synchronized (pending) {
      x = feedback.succeeded() ? pending.remove(feedback.callId()) : pending.get(feedback.callId());
    }
    if (x == null) {
      dropped.incrementAndGet();
      return;
    }
    String arm = feedback.model().id();
    if (!bandit.hasArm(arm)) {
      bandit.addArm(arm, prior.valueOf(feedback.model()));
    }
    bandit.update(arm, x, reward.reward(feedback));
  }

  /** The calls whose features are remembered, awaiting feedback. */
  public int pendingCalls() {
    synchronized (pending) {
      return pending.size();
    }
  }

  /** Feedback ignored because its call id was unknown or dropped. */
  public long droppedFeedback() {
    return dropped.get();
  }

  /** Each arm's pulls, mean reward and estimated value, by model id. */
  public Map<String, LinUcb.ArmStats> stats() {
    return bandit.stats();
  }

  /** The bandit this selector learns in. */
  public LinUcb bandit() {
    return bandit;
  }

  /** Writes the bandit's state as JSON; see {@link LinUcb#save(Writer)}. Pending calls are not saved. */
  public void save(Writer out) {
    bandit.save(out);
  }

  /** The reward a model is expected to earn before it has been tried (its warm start). */
  @FunctionalInterface
  public interface Prior {
    /** The expected reward of {@code model}, in [0, 1]. */
    double valueOf(ModelInfo model);
  }

  /** Builds a {@link LinUcbSelector}; not thread-safe. */
  public static final class Builder {
    private FeatureExtractor extractor = new DefaultFeatureExtractor();
    private RewardFunction reward = RewardFunction.defaults();
    private Prior prior = m -> 0.5;
    private double alpha = LinUcb.DEFAULT_ALPHA;
    private double lambda = LinUcb.DEFAULT_LAMBDA;
    private int maxPending = 10_000;
    private LinUcb bandit;

    private Builder() {}

    /** Sets the features; defaults to {@link DefaultFeatureExtractor} with 32 word buckets. */
    public Builder features(FeatureExtractor extractor) {
      this.extractor = Objects.requireNonNull(extractor, "extractor");
      return this;
    }

    /** Sets the reward; defaults to {@link RewardFunction#defaults()}. */
    public Builder reward(RewardFunction reward) {
      this.reward = Objects.requireNonNull(reward, "reward");
      return this;
    }

    /** Sets each new model's starting value (warm start), in about [0, 1]; defaults to 0.5 for every model. */
    public Builder prior(Prior prior) {
      this.prior = Objects.requireNonNull(prior, "prior");
      return this;
    }

    /** Sets the exploration weight; defaults to {@value LinUcb#DEFAULT_ALPHA}. Ignored with a given bandit. */
    public Builder alpha(double alpha) {
      this.alpha = alpha;
      return this;
    }

    /** Sets the ridge prior; defaults to {@value LinUcb#DEFAULT_LAMBDA}. Ignored with a given bandit. */
    public Builder lambda(double lambda) {
      this.lambda = lambda;
      return this;
    }

    /** Sets how many calls may await feedback before the oldest are dropped; defaults to 10,000. */
    public Builder maxPending(int maxPending) {
      if (maxPending < 1) {
        throw new IllegalArgumentException("maxPending must be at least 1 but was " + maxPending);
      }
      this.maxPending = maxPending;
      return this;
    }

    /** Learns in this bandit, such as one {@linkplain LinUcb#load(Reader) loaded} from a saved state. */
    public Builder bandit(LinUcb bandit) {
      this.bandit = Objects.requireNonNull(bandit, "bandit");
      return this;
    }

    /** Starts from the state saved by {@link LinUcbSelector#save(Writer)}. */
    public Builder state(Reader in) {
      return bandit(LinUcb.load(in));
    }

    /**
     * Validates and builds the selector.
     *
     * @throws IllegalArgumentException if a given bandit's dimension differs from the features'
     */
    public LinUcbSelector build() {
      LinUcb b = bandit != null ? bandit : LinUcb.builder(extractor.dimension()).alpha(alpha).lambda(lambda).build();
      if (b.dimension() != extractor.dimension()) {
        throw new IllegalArgumentException("the bandit has " + b.dimension() + " features but the extractor "
            + extractor.dimension());
      }
      return new LinUcbSelector(this, b);
    }
  }
}

package dev.ralex.core;

import dev.ralex.api.Feedback;
import dev.ralex.api.ModelSelector;
import dev.ralex.api.Rating;
import dev.ralex.api.RequestComplexity;
import dev.ralex.api.RoutingContext;
import dev.ralex.api.Selection;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rolls a new selector out safely: the <em>candidate</em> (say, the LinUCB bandit) decides for a fraction of the
 * traffic and the <em>baseline</em> (say, the rules) for the rest, with three controls that can be changed while
 * the application runs:
 *
 * <ul>
 *   <li>{@link #setFraction(double) the fraction} of calls the candidate decides, by a stable hash of the call id
 *       (so a call's retries and fallbacks stay with one policy);
 *   <li>{@link #setKilled(boolean) a kill switch} that sends every call to the baseline at once;
 *   <li>{@link #setGuard(boolean) a minimum-quality guard}: per task type (the routing context's {@link
 *       RequestComplexity.TaskType}), the mean score of each policy's recent decisions is kept, and where the
 *       candidate's falls more than {@link Builder#guardMargin(double) a margin} below the baseline's (both with
 *       enough samples), that task type goes back to the baseline; a tenth of the candidate's share still probes
 *       it there, so the guard lifts by itself once the candidate does better.
 * </ul>
 *
 * <p>The score of an outcome is, by default, its quality ({@link Feedback#quality()}, the validator's verdict)
 * when known, else 1 for an answer and 0 for a failure; a {@link Rating} adds its quality as a sample. Pass a
 * learning selector's own reward with {@link Builder#score}; with {@link Builder#judgeByRatings(boolean)} an
 * answer counts only through its verdict or its rating.
 *
 * <p>With {@link Builder#shadow(boolean) shadow} on (the default), the candidate also sees every call the
 * baseline decides and every outcome, so a learning candidate learns from all the traffic (LinUCB learns each
 * model's value from any call that used it) while deciding for only a slice of it. Both selectors get every
 * {@link #feedback} and {@link #rated}.
 *
 * <p>Thread-safe: the controls are volatile, the statistics guarded by a lock. A candidate that throws is logged
 * at WARN and the baseline decides; what the baseline throws (such as a budget refusal) reaches the caller.
 */
public final class RolloutSelector implements ModelSelector {
  private static final Logger LOG = LoggerFactory.getLogger(RolloutSelector.class);
  private static final int BUCKETS = 10_000;

  /** Which policy decided a call. */
  public enum Policy {
    /** The selector being rolled out. */
    CANDIDATE,
    /** The selector it is judged against. */
    BASELINE
  }

  /**
   * One task type's recent record.
   *
   * @param candidateMean the mean score of the candidate's recent decisions; NaN without any
   * @param candidateSamples how many of them
   * @param baselineMean the mean score of the baseline's recent decisions; NaN without any
   * @param baselineSamples how many of them
   * @param guarded whether the guard sends this task type to the baseline now
   */
  public record GuardStats(double candidateMean, int candidateSamples, double baselineMean, int baselineSamples,
      boolean guarded) {}

  private final ModelSelector candidate;
  private final ModelSelector baseline;
  private final String candidateName;
  private final String baselineName;
  private final boolean shadow;
  private final double guardMargin;
  private final int guardMinSamples;
  private final int guardWindow;
  private final Score score;
  private final boolean ratingsJudge;

  private volatile double fraction;
  private volatile boolean killed;
  private volatile boolean guard;

  private final Object lock = new Object();
  private final Map<String, Decided> decided; // guarded by lock
  private final Map<RequestComplexity.TaskType, Window[]> windows =
      new EnumMap<>(RequestComplexity.TaskType.class); // guarded by lock

  private record Decided(Policy policy, RequestComplexity.TaskType type) {}

  /** How the guard scores an outcome, in [0, 1]; must be thread-safe. */
  @FunctionalInterface
  public interface Score {
    /** The score of {@code feedback}. */
    double of(Feedback feedback);
  }

  /** The latest scores of one policy on one task type, in a ring. Guarded by the selector's lock. */
  private static final class Window {
    final double[] scores;
    int count;
    int next;
    double sum;

    Window(int size) {
      scores = new double[size];
    }

    void add(double s) {
      if (count == scores.length) {
        sum -= scores[next];
      } else {
        count++;
      }
      scores[next] = s;
      sum += s;
      next = (next + 1) % scores.length;
    }

    double mean() {
      return count == 0 ? Double.NaN : sum / count;
    }
  }

  private RolloutSelector(Builder b) {
    this.candidate = b.candidate;
    this.baseline = b.baseline;
    this.candidateName = b.candidateName;
    this.baselineName = b.baselineName;
    this.shadow = b.shadow;
    this.guardMargin = b.guardMargin;
    this.guardMinSamples = b.guardMinSamples;
    this.guardWindow = b.guardWindow;
    this.score = b.score;
    this.ratingsJudge = b.ratingsJudge;
    this.fraction = b.fraction;
    this.killed = b.killed;
    this.guard = b.guard;
    this.decided = Lru.map(b.maxTrackedCalls);
  }

  /**
   * A builder rolling out {@code candidate} against {@code baseline}; by default the candidate decides 10% of
   * calls, in shadow, with the guard on.
   */
  public static Builder builder(ModelSelector candidate, ModelSelector baseline) {
    return new Builder(candidate, baseline);
  }

  @Override
  public Selection select(RoutingContext context) {
    Objects.requireNonNull(context, "context");
    RequestComplexity.TaskType type = context.complexity().taskType();
    int bucket = Math.floorMod(mix(context.callId().hashCode()), BUCKETS);
    double share = fraction;
    String why;
    boolean useCandidate;
    if (killed) {
      useCandidate = false;
      why = "kill switch on";
    } else if (bucket >= share * BUCKETS) {
      useCandidate = false;
      why = String.format(Locale.ROOT, "outside the %s's %.1f%% of traffic", candidateName, share * 100);
    } else if (guard && guarded(type)) {
      // A tenth of the candidate's share keeps probing a guarded task type, so the guard can lift.
      useCandidate = bucket < share * BUCKETS / 10;
      why = String.format(Locale.ROOT, "guard: the %s's recent score on %s is below the %s's%s", candidateName,
          name(type), baselineName, useCandidate ? " (probe)" : "");
    } else {
      useCandidate = true;
      why = String.format(Locale.ROOT, "within the %s's %.1f%% of traffic", candidateName, share * 100);
    }
    Selection fromCandidate = null;
    if (useCandidate || shadow) {
      try {
        fromCandidate = candidate.select(context);
      } catch (RuntimeException e) {
        LOG.warn("{} selector {} failed; the {} decides", candidateName, candidate, baselineName, e);
        useCandidate = false;
        why = candidateName + " failed";
      }
    }
    Selection chosen = useCandidate ? fromCandidate : baseline.select(context);
    synchronized (lock) {
      decided.put(context.callId(), new Decided(useCandidate ? Policy.CANDIDATE : Policy.BASELINE, type));
    }
    String who = useCandidate ? candidateName : baselineName;
    return new Selection(chosen.model(), chosen.fallbacks(), "rollout: " + who + " (" + why + "): "
        + chosen.reason(), chosen.maxOutputTokens());
  }

  @Override
  public void feedback(Feedback feedback) {
    Objects.requireNonNull(feedback, "feedback");
    forward(candidate, feedback, null);
    forward(baseline, feedback, null);
    if (ratingsJudge && feedback.succeeded() && feedback.quality().isEmpty()) {
      return; // An answer without a verdict waits for its rating.
    }
    record(feedback.callId(), score.of(feedback));
  }

  @Override
  public void rated(Rating rating) {
    Objects.requireNonNull(rating, "rating");
    forward(candidate, null, rating);
    forward(baseline, null, rating);
    record(rating.callId(), rating.quality());
  }

  private void forward(ModelSelector to, Feedback feedback, Rating rating) {
    try {
      if (feedback != null) {
        to.feedback(feedback);
      } else {
        to.rated(rating);
      }
    } catch (RuntimeException e) {
      LOG.warn("selector {} failed to take an outcome; the rollout goes on", to, e);
    }
  }

  private void record(String callId, double s) {
    if (!Double.isFinite(s)) {
      return;
    }
    synchronized (lock) {
      Decided d = decided.get(callId);
      if (d == null) {
        return;
      }
      windows.computeIfAbsent(d.type(), t -> new Window[] {new Window(guardWindow), new Window(guardWindow)})
          [d.policy().ordinal()].add(s);
    }
  }

  private boolean guarded(RequestComplexity.TaskType type) {
    synchronized (lock) {
      return guardedLocked(windows.get(type));
    }
  }

  private boolean guardedLocked(Window[] w) {
    if (w == null) {
      return false;
    }
    Window c = w[Policy.CANDIDATE.ordinal()];
    Window b = w[Policy.BASELINE.ordinal()];
    return c.count >= guardMinSamples && b.count >= guardMinSamples && c.mean() < b.mean() - guardMargin;
  }

  /** Sets the share of calls the candidate decides, in [0, 1]; takes effect on the next call. */
  public void setFraction(double fraction) {
    this.fraction = checkFraction(fraction);
  }

  /** The share of calls the candidate decides. */
  public double fraction() {
    return fraction;
  }

  /** Turns the kill switch on (every call to the baseline) or off. */
  public void setKilled(boolean killed) {
    this.killed = killed;
  }

  /** Whether the kill switch is on. */
  public boolean isKilled() {
    return killed;
  }

  /** Turns the minimum-quality guard on or off; its statistics are kept either way. */
  public void setGuard(boolean on) {
    this.guard = on;
  }

  /** Whether the minimum-quality guard is on. */
  public boolean isGuardOn() {
    return guard;
  }

  /** Each task type's recent record, for the task types seen so far. */
  public Map<RequestComplexity.TaskType, GuardStats> guardStats() {
    Map<RequestComplexity.TaskType, GuardStats> out = new EnumMap<>(RequestComplexity.TaskType.class);
    synchronized (lock) {
      for (Map.Entry<RequestComplexity.TaskType, Window[]> e : windows.entrySet()) {
        Window c = e.getValue()[Policy.CANDIDATE.ordinal()];
        Window b = e.getValue()[Policy.BASELINE.ordinal()];
        out.put(e.getKey(), new GuardStats(c.mean(), c.count, b.mean(), b.count, guardedLocked(e.getValue())));
      }
    }
    return out;
  }

  /** The policy that decided {@code callId}, if the call is still remembered. */
  public java.util.Optional<Policy> decidedBy(String callId) {
    synchronized (lock) {
      Decided d = decided.get(callId);
      return d == null ? java.util.Optional.empty() : java.util.Optional.of(d.policy());
    }
  }

  private static String name(RequestComplexity.TaskType type) {
    return type.name().toLowerCase(Locale.ROOT);
  }

  private static double checkFraction(double fraction) {
    if (!(fraction >= 0.0 && fraction <= 1.0)) {
      throw new IllegalArgumentException("fraction must be in [0, 1] but was " + fraction);
    }
    return fraction;
  }

  /** Murmur3's finalizer: call ids that differ in one character land far apart. */
  private static int mix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }

  @Override
  public String toString() {
    return "RolloutSelector[" + candidateName + " " + fraction + " vs " + baselineName + "]";
  }

  /** Builds a {@link RolloutSelector}; not thread-safe. */
  public static final class Builder {
    private final ModelSelector candidate;
    private final ModelSelector baseline;
    private String candidateName = "candidate";
    private String baselineName = "baseline";
    private double fraction = 0.1;
    private boolean killed;
    private boolean guard = true;
    private boolean shadow = true;
    private double guardMargin = 0.05;
    private int guardMinSamples = 30;
    private int guardWindow = 200;
    private int maxTrackedCalls = 10_000;
    private Score score = f -> f.quality().orElse(f.succeeded() ? 1.0 : 0.0);
    private boolean ratingsJudge;

    private Builder(ModelSelector candidate, ModelSelector baseline) {
      this.candidate = Objects.requireNonNull(candidate, "candidate");
      this.baseline = Objects.requireNonNull(baseline, "baseline");
    }

    /** Names the two policies in reasons, such as {@code "linucb"} and {@code "rules"}. */
    public Builder names(String candidate, String baseline) {
      if (candidate == null || candidate.isBlank() || baseline == null || baseline.isBlank()) {
        throw new IllegalArgumentException("names must not be blank");
      }
      this.candidateName = candidate;
      this.baselineName = baseline;
      return this;
    }

    /** The share of calls the candidate decides at first, in [0, 1]; 0.1 by default. */
    public Builder fraction(double fraction) {
      this.fraction = checkFraction(fraction);
      return this;
    }

    /** Starts with the kill switch on; off by default. */
    public Builder killed(boolean killed) {
      this.killed = killed;
      return this;
    }

    /** Starts with the guard on or off; on by default. */
    public Builder guard(boolean on) {
      this.guard = on;
      return this;
    }

    /** How far below the baseline's mean score the candidate's may fall before the guard acts; 0.05 by default. */
    public Builder guardMargin(double margin) {
      if (!(margin >= 0.0 && margin <= 1.0)) {
        throw new IllegalArgumentException("guardMargin must be in [0, 1] but was " + margin);
      }
      this.guardMargin = margin;
      return this;
    }

    /**
     * How many recent outcomes per policy and task type are kept ({@code window}, 200 by default) and how many
     * each policy needs before the guard may act ({@code minSamples}, 30 by default).
     */
    public Builder guardSamples(int minSamples, int window) {
      if (minSamples < 1 || window < minSamples) {
        throw new IllegalArgumentException("need 1 <= minSamples <= window but were " + minSamples + ", " + window);
      }
      this.guardMinSamples = minSamples;
      this.guardWindow = window;
      return this;
    }

    /** Whether the candidate also sees the calls the baseline decides, to learn from them; on by default. */
    public Builder shadow(boolean shadow) {
      this.shadow = shadow;
      return this;
    }

    /** How an outcome is scored for the guard, in [0, 1]; by default its quality, else success. */
    public Builder score(Score score) {
      this.score = Objects.requireNonNull(score, "score");
      return this;
    }

    /**
     * Whether the guard judges answers by their ratings alone: an answer with neither a validator's verdict nor
     * a rating is then not counted as a success (failures still count as 0). Use it when callers {@code rate}
     * most answers; off by default.
     */
    public Builder judgeByRatings(boolean on) {
      this.ratingsJudge = on;
      return this;
    }

    /** How many calls' deciding policy is remembered for their outcomes; 10,000 by default. */
    public Builder maxTrackedCalls(int calls) {
      if (calls < 1) {
        throw new IllegalArgumentException("maxTrackedCalls must be at least 1 but was " + calls);
      }
      this.maxTrackedCalls = calls;
      return this;
    }

    /** Builds the selector. */
    public RolloutSelector build() {
      return new RolloutSelector(this);
    }
  }
}

package dev.ralex.bandit;

import dev.ralex.api.Feedback;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelSelector;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import dev.ralex.api.Rating;
import dev.ralex.api.RoutingContext;
import dev.ralex.api.Selection;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ModelSelector} that learns which model pays best for which request: disjoint {@link LinUcb} with one
 * arm per model id, over the features of a {@link FeatureExtractor}, rewarded by a {@link RewardFunction}.
 *
 * <p>{@link #select} picks the candidate with the highest upper confidence bound (less the {@link Steering}'s
 * penalty, when one is set) and orders the other candidates by estimated value as fallbacks. It remembers the
 * call's features under its call id until the outcome is known:
 *
 * <ul>
 *   <li>a failed attempt teaches its model at once (quality 0) and keeps the features, as a retry or a fallback
 *       of the same call may follow;
 *   <li>an answer teaches its model at once, with the validator's verdict as quality when the pipeline has one
 *       ({@link Feedback#quality()}), else 1 for success, and the features are forgotten;
 *   <li>unless {@link Builder#awaitRatings(Duration)} is set: then the answer waits, up to that long, for the
 *       caller's {@link Rating} (through {@code Ralex.rate}), whose quality is what the model learns; an answer
 *       not rated in time is learned as above, the next time the selector is used.
 * </ul>
 *
 * <p>At most {@link Builder#maxPending(int)} calls are remembered; beyond that the oldest are dropped (an answer
 * still waiting for its rating is learned as unrated first), and feedback or a rating for them, or for a call id
 * never seen, is ignored and counted in {@link #droppedFeedback()}. Every update is reported to the {@linkplain
 * Builder#listener listener} as a {@link RalexEvent.SelectorLearned} event.
 *
 * <p>A model seen for the first time starts at its {@linkplain Builder#prior(Prior) prior value}
 * (a warm start; 0.5 by default). Thread-safe: see {@link LinUcb} for the bandit's locking; the pending map takes
 * one short lock, and learning happens outside it.
 *
 * <p>What it learned can be kept across restarts with {@link #save(Writer)} and {@link Builder#state(Reader)},
 * or with a {@linkplain Builder#stateFile(Path) state file}, read when the selector is built and written when it
 * is {@linkplain #close() closed} (which {@code Ralex.close()} does for the selector it was built with). Without
 * a state file, {@link #close()} does nothing.
 */
public final class LinUcbSelector implements ModelSelector, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LinUcbSelector.class);

  private final LinUcb bandit;
  private final FeatureExtractor extractor;
  private final RewardFunction reward;
  private final Prior prior;
  private final Steering steering;
  private final RalexListener listener;
  private final Clock clock;
  private final long awaitRatingsMillis;
  private final Map<String, Pending> pending; // guarded by itself
  private final ArrayDeque<String> awaiting = new ArrayDeque<>(); // guarded by pending; held answers, oldest first
  private final List<Learning> spilled = new ArrayList<>(); // guarded by pending; held answers evicted by size
  private final AtomicLong dropped = new AtomicLong();
  private final Path stateFile; // null: close() does nothing

  /** A call's features and, once answered while ratings are awaited, the answer's feedback and when it came. */
  private record Pending(double[] x, Feedback answer, long answeredAtMillis) {}

  /** An update to make outside the lock. */
  private record Learning(double[] x, Feedback feedback, double quality, String source) {}

  private LinUcbSelector(Builder b, LinUcb bandit) {
    this.bandit = bandit;
    this.extractor = b.extractor;
    this.reward = b.reward;
    this.prior = b.prior;
    this.steering = b.steering;
    this.listener = b.listener;
    this.clock = b.clock;
    this.awaitRatingsMillis = b.awaitRatings.toMillis();
    this.stateFile = b.stateFile;
    int maxPending = b.maxPending;
    this.pending = new LinkedHashMap<>(16, 0.75f, false) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Pending> eldest) {
        if (size() <= maxPending) {
          return false;
        }
        Pending p = eldest.getValue();
        if (p.answer() != null) {
          spilled.add(unrated(p));
        }
        return true;
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
    double multiplier = steering.isActive() ? steering.multiplier() : 0.0;
    double[] value = new double[scores.size()];
    int best = 0;
    for (int i = 0; i < scores.size(); i++) {
      value[i] = scores.get(i).ucb() - (multiplier == 0.0 ? 0.0 : multiplier * steering.penalty(candidates.get(i), context));
      if (value[i] > value[best]) {
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
    List<Learning> due;
    synchronized (pending) {
      pending.put(context.callId(), new Pending(x, null, 0));
      due = dueLocked();
    }
    learn(due);
    ModelInfo chosen = candidates.get(best);
    steering.decided(chosen);
    LinUcb.Score s = scores.get(best);
    String reason = String.format(Locale.ROOT,
        "linucb: estimated value %.3f + exploration bonus %.3f = %.3f (%d pulls) among %d candidates",
        s.estimate(), s.bonus(), s.ucb(), s.pulls(), candidates.size());
    if (multiplier > 0.0) {
      reason += String.format(Locale.ROOT, "; %s, multiplier %.3f", steering, multiplier);
    }
    return new Selection(chosen, fallbacks, reason);
  }

  @Override
  public void feedback(Feedback feedback) {
    Objects.requireNonNull(feedback, "feedback");
    if (feedback.cost().signum() > 0) {
      steering.billed(feedback.cost());
    }
    List<Learning> due;
    synchronized (pending) {
      Pending p = pending.get(feedback.callId());
      if (p == null) {
        dropped.incrementAndGet();
        due = dueLocked();
      } else if (!feedback.succeeded()) {
        due = dueLocked();
        due.add(new Learning(p.x(), feedback, 0.0, "outcome"));
      } else if (awaitRatingsMillis > 0) {
        pending.put(feedback.callId(), new Pending(p.x(), feedback, clock.millis()));
        awaiting.add(feedback.callId());
        due = dueLocked();
      } else {
        pending.remove(feedback.callId());
        due = dueLocked();
        due.add(unrated(new Pending(p.x(), feedback, 0)));
      }
    }
    learn(due);
  }

  /**
   * Learns the rating's quality for the answer it rates, when that answer is still remembered: waiting for its
   * rating (see {@link Builder#awaitRatings(Duration)}) or, for an answer already learned, not at all (the
   * rating is then counted in {@link #droppedFeedback()}).
   */
  @Override
  public void rated(Rating rating) {
    Objects.requireNonNull(rating, "rating");
    List<Learning> due;
    synchronized (pending) {
      Pending p = pending.get(rating.callId());
      if (p == null || p.answer() == null) {
        dropped.incrementAndGet();
        due = dueLocked();
      } else {
        pending.remove(rating.callId());
        due = dueLocked();
        due.add(new Learning(p.x(), p.answer(), rating.quality(), "rating"));
      }
    }
    learn(due);
  }

  /** The answers whose wait for a rating is over, and those evicted; removes them. Holds the pending lock. */
  private List<Learning> dueLocked() {
    List<Learning> due = new ArrayList<>(spilled);
    spilled.clear();
    if (awaiting.isEmpty()) {
      return due;
    }
    long now = clock.millis();
    while (!awaiting.isEmpty()) {
      String id = awaiting.peekFirst();
      Pending p = pending.get(id);
      if (p == null || p.answer() == null) {
        awaiting.pollFirst(); // Rated or evicted already.
        continue;
      }
      if (now - p.answeredAtMillis() < awaitRatingsMillis) {
        break;
      }
      awaiting.pollFirst();
      pending.remove(id);
      due.add(unrated(p));
    }
    return due;
  }

  private static Learning unrated(Pending p) {
    Feedback f = p.answer();
    return f.quality().isPresent() ? new Learning(p.x(), f, f.quality().getAsDouble(), "validator")
        : new Learning(p.x(), f, 1.0, "outcome");
  }

  private void learn(List<Learning> due) {
    for (Learning l : due) {
      Feedback f = l.feedback();
      String arm = f.model().id();
      if (!bandit.hasArm(arm)) {
        bandit.addArm(arm, prior.valueOf(f.model()));
      }
      Feedback judged = f.quality().isPresent() && f.quality().getAsDouble() == l.quality() ? f
          : new Feedback(f.callId(), f.model(), f.error(), f.latency(), f.cost(), f.usage(),
              OptionalDouble.of(l.quality()), f.rejection());
      double r = reward.reward(judged);
      bandit.update(arm, l.x(), r);
      if (listener != null) {
        try {
          listener.onSelectorLearned(new RalexEvent.SelectorLearned(f.callId(), arm, r, l.quality(), l.source()));
        } catch (RuntimeException e) {
          LOG.warn("listener {} failed on SelectorLearned; learning goes on", listener.getClass().getName(), e);
        }
      }
    }
  }

  /** The steering this selector applies; {@link Steering#none()} unless one was set. */
  public Steering steering() {
    return steering;
  }

  /** The calls whose features are remembered, awaiting feedback. */
  public int pendingCalls() {
    synchronized (pending) {
      return pending.size();
    }
  }

  /** Feedback and ratings ignored because their call id was unknown, dropped or already learned. */
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

  /** The file the state is kept in ({@link Builder#stateFile(Path)}); empty if none. */
  public Optional<Path> stateFile() {
    return Optional.ofNullable(stateFile);
  }

  /**
   * Saves the state to the {@linkplain Builder#stateFile(Path) state file}, if there is one, atomically (a
   * temporary file in the same directory, forced to disk, then renamed over the state file), creating its
   * directory if missing; does nothing otherwise. As with {@link #save(Writer)}, calls still awaiting feedback
   * or a rating are not saved. The selector stays usable, and each call saves again.
   *
   * @throws UncheckedIOException if the state cannot be saved, after logging it at WARN with the file's path;
   *     the file then holds the state saved before, if any
   */
  @Override
  public void close() {
    if (stateFile == null) {
      return;
    }
    try {
      StateFile.write(stateFile, this::save);
    } catch (IOException | UncheckedIOException e) {
      // Logged here as well as thrown: a caller that closes in a finally block may lose the exception, and what
      // was learned since the state was read is lost with it.
      LOG.warn("cannot save the LinUCB state to {}; what was learned since it was read is lost", stateFile, e);
      IOException cause = e instanceof IOException ? (IOException) e : ((UncheckedIOException) e).getCause();
      throw new UncheckedIOException("cannot save the LinUCB state to " + stateFile, cause);
    }
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
    private Steering steering = Steering.none();
    private RalexListener listener;
    private Clock clock = Clock.systemUTC();
    private Duration awaitRatings = Duration.ZERO;
    private boolean alphaSet;
    private boolean lambdaSet;
    private Path stateFile;

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

    /**
     * Sets the exploration weight; defaults to {@value LinUcb#DEFAULT_ALPHA}. Ignored with a given bandit; with a
     * {@linkplain #stateFile(Path) state file} that exists, replaces the alpha saved in it.
     */
    public Builder alpha(double alpha) {
      this.alpha = alpha;
      this.alphaSet = true;
      return this;
    }

    /**
     * Sets the ridge prior; defaults to {@value LinUcb#DEFAULT_LAMBDA}. Ignored with a given bandit; with a
     * {@linkplain #stateFile(Path) state file} that exists, must equal the lambda saved in it (the learned
     * matrices include it).
     */
    public Builder lambda(double lambda) {
      this.lambda = lambda;
      this.lambdaSet = true;
      return this;
    }

    /**
     * Keeps the state in {@code file}: {@link #build()} starts from the state saved in it if it exists (else
     * from scratch, with the alpha and lambda set here), and {@link LinUcbSelector#close()} saves the state to it
     * atomically. Two selectors should not share a file: the last to close wins. Not together with {@link
     * #bandit} or {@link #state}.
     */
    public Builder stateFile(Path file) {
      this.stateFile = Objects.requireNonNull(file, "file");
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

    /** Steers decisions towards a target share of strong calls or spend per call; none by default. */
    public Builder steering(Steering steering) {
      this.steering = Objects.requireNonNull(steering, "steering");
      return this;
    }

    /** Receives a {@link RalexEvent.SelectorLearned} event for every update; none by default. */
    public Builder listener(RalexListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Holds each answer up to {@code wait} for the caller's {@link Rating} before learning from it (see the
     * class comment); {@link Duration#ZERO}, the default, learns from each answer at once, and a later rating
     * is then ignored.
     */
    public Builder awaitRatings(Duration wait) {
      Objects.requireNonNull(wait, "wait");
      if (wait.isNegative()) {
        throw new IllegalArgumentException("awaitRatings must not be negative but was " + wait);
      }
      this.awaitRatings = wait;
      return this;
    }

    /** The clock that times the wait for ratings; the system's by default. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
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
     * Validates and builds the selector, reading the {@linkplain #stateFile(Path) state file} if there is one.
     *
     * @throws IllegalArgumentException if a given bandit's dimension differs from the features', both a bandit
     *     and a state file are given, or the state file does not hold a state these settings can continue (not
     *     a LinUCB state, another number of features, another lambda); the message names the file
     * @throws UncheckedIOException if the state file exists but cannot be read
     */
    public LinUcbSelector build() {
      if (stateFile != null && bandit != null) {
        throw new IllegalArgumentException("a state file and a bandit (or state) were both given; keep one");
      }
      LinUcb b = bandit;
      if (b == null && stateFile != null && Files.exists(stateFile)) {
        b = readState();
      }
      if (b == null) {
        b = LinUcb.builder(extractor.dimension()).alpha(alpha).lambda(lambda).build();
      }
      if (b.dimension() != extractor.dimension()) {
        throw new IllegalArgumentException(bandit != null
            ? "the bandit has " + b.dimension() + " features but the extractor " + extractor.dimension()
            : "the LinUCB state in " + stateFile + " has " + b.dimension() + " features, but the features set "
                + "here have " + extractor.dimension() + " (another number of word buckets?); use another state "
                + "file, or the features it was learned with");
      }
      return new LinUcbSelector(this, b);
    }

    private LinUcb readState() {
      LinUcb loaded;
      try {
        loaded = StateFile.read(stateFile, LinUcb::load);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the LinUCB state file " + stateFile, e);
      } catch (RuntimeException e) {
        // Not only IllegalArgumentException: a state of the right format with damaged arms can fail otherwise.
        throw new IllegalArgumentException("the LinUCB state file " + stateFile + " is corrupt: " + e.getMessage(),
            e);
      }
      if (lambdaSet && Double.compare(lambda, loaded.lambda()) != 0) {
        throw new IllegalArgumentException("the LinUCB state in " + stateFile + " was learned with lambda "
            + loaded.lambda() + ", not " + lambda + "; its matrices hold lambda, so it cannot change: use another "
            + "state file, or lambda " + loaded.lambda());
      }
      if (alphaSet && Double.compare(alpha, loaded.alpha()) != 0) {
        // Validated as a new bandit's would be, then applied: exploration may be retuned on a learned state.
        LinUcb.builder(1).alpha(alpha).build();
        loaded = loaded.withAlpha(alpha);
      }
      return loaded;
    }
  }
}

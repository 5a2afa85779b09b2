package dev.ralex.bandit;

import static dev.ralex.bandit.Fixtures.context;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.ralex.api.Feedback;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelTier;
import dev.ralex.api.Pricing;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import dev.ralex.api.Rating;
import dev.ralex.api.Selection;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Ratings that arrive after the answer, learning events, and steering towards a share or a spend. */
class LinUcbRatingsAndSteeringTest {
  private static ModelInfo model(String id, ModelTier tier, String inputPerMTok, String outputPerMTok) {
    return ModelInfo.builder(id).contextWindow(128_000).maxOutputTokens(1_000).tier(tier)
        .pricing(new Pricing(new BigDecimal(inputPerMTok), new BigDecimal(outputPerMTok), BigDecimal.ZERO,
            BigDecimal.ZERO, "test", LocalDate.of(2026, 1, 1)))
        .build();
  }

  private static final ModelInfo CHEAP = model("t/cheap", ModelTier.CHEAP, "0.25", "1.25");
  private static final ModelInfo STRONG = model("t/strong", ModelTier.STRONG, "15", "75");
  private static final List<ModelInfo> BOTH = List.of(CHEAP, STRONG);

  /** A clock the test moves by hand. */
  private static final class HandClock extends Clock {
    private volatile Instant now = Instant.parse("2026-11-26T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  /** The same cost and latency for every model, so only quality can tell them apart. */
  private static Feedback answered(String callId, ModelInfo model) {
    return new Feedback(callId, model, Optional.empty(), Duration.ofMillis(500), new BigDecimal("0.001"),
        Usage.of(100, 100), OptionalDouble.empty(), Optional.empty());
  }

  @Test
  void ratingsArrivingAfterTheAnswerTeachWhichModelIsGood() {
    HandClock clock = new HandClock();
    LinUcbSelector selector = LinUcbSelector.builder().awaitRatings(Duration.ofMinutes(10)).clock(clock).build();
    int strongPicks = 0;
    for (int i = 0; i < 200; i++) {
      String id = "c" + i;
      Selection s = selector.select(context(id, "write the release notes", BOTH));
      selector.feedback(answered(id, s.model()));
      clock.advance(Duration.ofSeconds(5)); // The user reads the answer, then rates it.
      selector.rated(Rating.thumbs(id, s.model() == STRONG));
      if (i >= 150 && s.model() == STRONG) {
        strongPicks++;
      }
    }
    assertThat(strongPicks).as("strong picks in the last 50").isGreaterThanOrEqualTo(45);
    assertThat(selector.pendingCalls()).isZero();
    assertThat(selector.droppedFeedback()).isZero();
  }

  @Test
  void withoutWaitingForRatingsBothModelsLookAlikeAndALateRatingIsCountedAsDropped() {
    LinUcbSelector selector = LinUcbSelector.builder().build();
    for (int i = 0; i < 50; i++) {
      String id = "c" + i;
      Selection s = selector.select(context(id, "write the release notes", BOTH));
      selector.feedback(answered(id, s.model()));
      selector.rated(Rating.thumbs(id, s.model() == STRONG));
    }
    assertThat(selector.droppedFeedback()).isEqualTo(50);
    double cheap = selector.stats().get(CHEAP.id()).meanReward();
    double strong = selector.stats().get(STRONG.id()).meanReward();
    assertThat(Math.abs(cheap - strong)).isLessThan(0.05);
  }

  @Test
  void anAnswerNotRatedInTimeIsLearnedAsASuccessAndEveryUpdateIsAnEvent() {
    HandClock clock = new HandClock();
    List<RalexEvent.SelectorLearned> events = new CopyOnWriteArrayList<>();
    LinUcbSelector selector = LinUcbSelector.builder().awaitRatings(Duration.ofMinutes(1)).clock(clock)
        .listener(new RalexListener() {
          @Override
          public void onSelectorLearned(RalexEvent.SelectorLearned event) {
            events.add(event);
          }
        }).build();
    Selection first = selector.select(context("a", "hello", BOTH));
    selector.feedback(answered("a", first.model()));
    assertThat(events).isEmpty();
    assertThat(selector.pendingCalls()).isEqualTo(1);

    clock.advance(Duration.ofMinutes(2));
    Selection second = selector.select(context("b", "hello", BOTH)); // Any use of the selector settles what is due.
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.callId()).isEqualTo("a");
      assertThat(e.source()).isEqualTo("outcome");
      assertThat(e.quality()).isEqualTo(1.0);
    });
    selector.rated(Rating.of("a", 0.0)); // Too late: already learned.
    assertThat(selector.droppedFeedback()).isEqualTo(1);

    selector.feedback(answered("b", second.model()));
    selector.rated(Rating.of("b", 0.25));
    assertThat(events).hasSize(2);
    assertThat(events.get(1).source()).isEqualTo("rating");
    assertThat(events.get(1).quality()).isEqualTo(0.25);
    assertThat(events.get(1).model()).isEqualTo(second.model().id());
  }

  @Test
  void concurrentDecisionsFeedbackAndRatingsLearnEveryCallExactlyOnce() throws Exception {
    HandClock clock = new HandClock();
    List<RalexEvent.SelectorLearned> events = new CopyOnWriteArrayList<>();
    LinUcbSelector selector = LinUcbSelector.builder().awaitRatings(Duration.ofHours(1)).clock(clock)
        .steering(Steering.strongShare(0.3))
        .listener(new RalexListener() {
          @Override
          public void onSelectorLearned(RalexEvent.SelectorLearned event) {
            events.add(event);
          }
        }).build();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<?>> futures = new java.util.ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < 250; i++) {
            String id = "t" + thread + "-" + i;
            Selection s = selector.select(context(id, i % 2 == 0 ? "draft an email" : "review the design", BOTH));
            selector.feedback(answered(id, s.model()));
            if (i % 5 != 0) {
              selector.rated(Rating.thumbs(id, s.model() == STRONG));
            }
          }
        }));
      }
      for (java.util.concurrent.Future<?> f : futures) {
        f.get(60, java.util.concurrent.TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    // One in five answers was never rated: still waiting until the hour is up.
    assertThat(selector.pendingCalls()).isEqualTo(400);
    clock.now = clock.now.plus(Duration.ofHours(2));
    selector.select(context("last", "hello", BOTH));
    assertThat(selector.pendingCalls()).isEqualTo(1); // Only the last decision, not yet answered.
    assertThat(events).hasSize(2_000);
    assertThat(events.stream().map(RalexEvent.SelectorLearned::callId).distinct().count()).isEqualTo(2_000);
    assertThat(events.stream().filter(e -> e.source().equals("rating")).count()).isEqualTo(1_600);
    long pulls = selector.stats().values().stream().mapToLong(LinUcb.ArmStats::pulls).sum();
    assertThat(pulls).isEqualTo(2_000);
    assertThat(selector.droppedFeedback()).isZero();
  }

  @Test
  void aValidatorsVerdictIsTheQualityWhenNoRatingIsAwaited() {
    List<RalexEvent.SelectorLearned> events = new CopyOnWriteArrayList<>();
    LinUcbSelector selector = LinUcbSelector.builder().listener(new RalexListener() {
      @Override
      public void onSelectorLearned(RalexEvent.SelectorLearned event) {
        events.add(event);
      }
    }).build();
    Selection s = selector.select(context("v", "hello", BOTH));
    selector.feedback(new Feedback("v", s.model(), Optional.empty(), Duration.ofMillis(10), BigDecimal.ZERO,
        Usage.of(1, 1), OptionalDouble.of(0.0), Optional.of("no tests")));
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.source()).isEqualTo("validator");
      assertThat(e.quality()).isEqualTo(0.0);
    });
  }

  @Test
  void aListenerThatThrowsDoesNotStopLearning() {
    LinUcbSelector selector = LinUcbSelector.builder().listener(new RalexListener() {
      @Override
      public void onSelectorLearned(RalexEvent.SelectorLearned event) {
        throw new IllegalStateException("broken listener");
      }
    }).build();
    Selection s = selector.select(context("x", "hello", BOTH));
    selector.feedback(answered("x", s.model()));
    assertThat(selector.stats().get(s.model().id()).pulls()).isEqualTo(1);
  }

  /** Strong answers are always right, cheap ones right 60% of the time: unsteered, the bandit goes strong. */
  private static int strongPicksInLast(LinUcbSelector selector, int rounds, int last) {
    int strong = 0;
    for (int i = 0; i < rounds; i++) {
      String id = "s" + i;
      Selection s = selector.select(context(id, i % 2 == 0 ? "summarize the report" : "draft an email", BOTH));
      boolean right = s.model() == STRONG || i % 5 < 3;
      BigDecimal cost = s.model().pricing().costOf(Usage.of(1_000, 500));
      selector.feedback(new Feedback(id, s.model(), Optional.empty(), Duration.ofMillis(800), cost,
          Usage.of(1_000, 500), OptionalDouble.of(right ? 1.0 : 0.0), Optional.empty()));
      if (i >= rounds - last && s.model() == STRONG) {
        strong++;
      }
    }
    return strong;
  }

  @Test
  void steeringHoldsTheShareOfStrongCallsNearItsTarget() {
    int unsteered = strongPicksInLast(LinUcbSelector.builder()
        .reward(WeightedReward.builder().weights(1, 0, 0).build()).build(), 1_500, 500);
    assertThat(unsteered).as("unsteered strong picks of 500").isGreaterThan(450);
    qt().withExamples(6).forAll(integers().between(15, 60)).checkAssert(percent -> {
      LinUcbSelector steered = LinUcbSelector.builder()
          .reward(WeightedReward.builder().weights(1, 0, 0).build())
          .steering(Steering.strongShare(percent / 100.0)).build();
      int strong = strongPicksInLast(steered, 1_500, 500);
      assertThat(strong / 500.0).as("share of strong picks for a %d%% target", percent)
          .isBetween(percent / 100.0 - 0.06, percent / 100.0 + 0.06);
    });
  }

  @Test
  void steeringHoldsTheSpendPerCallNearItsTarget() {
    // A cheap call costs $0.000875, a strong one $0.0525: a target of $0.01 allows about one strong call in six.
    BigDecimal target = new BigDecimal("0.01");
    LinUcbSelector steered = LinUcbSelector.builder()
        .reward(WeightedReward.builder().weights(1, 0, 0).build())
        .steering(Steering.spendPerCall(target)).build();
    int strong = strongPicksInLast(steered, 2_000, 1_000);
    BigDecimal spent = STRONG.pricing().costOf(Usage.of(1_000, 500)).multiply(BigDecimal.valueOf(strong))
        .add(CHEAP.pricing().costOf(Usage.of(1_000, 500)).multiply(BigDecimal.valueOf(1_000 - strong)));
    BigDecimal perCall = spent.divide(BigDecimal.valueOf(1_000));
    assertThat(perCall).isBetween(new BigDecimal("0.008"), new BigDecimal("0.012"));
    assertThat(steered.steering().multiplier()).isPositive();
  }

  @Test
  void steeringRefusesTargetsOutsideItsRange() {
    assertThatThrownBy(() -> Steering.strongShare(1.0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Steering.spendPerCall(BigDecimal.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Steering.strongShare(0.5).withStep(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LinUcbSelector.builder().awaitRatings(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

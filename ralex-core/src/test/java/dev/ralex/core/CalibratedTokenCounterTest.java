package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.Message;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.TokenCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CalibratedTokenCounterTest {
  private static final ModelInfo A = TestModels.SMALL;
  private static final ModelInfo B = TestModels.LARGE;

  @Test
  void theScaledEstimateConvergesWithinTwoPercentOfTheRealCount() {
    // A fixed true ratio inside the allowed range, and a stream of requests of varied sizes.
    qt().withExamples(200).forAll(doubles().between(0.55, 2.9), lists().of(integers().between(200, 200_000)).ofSize(40),
            integers().between(200, 200_000))
        .checkAssert((trueRatio, sizes, probe) -> {
          CalibratedTokenCounter counter = CalibratedTokenCounter.wrapping(TokenCounter.estimating());
          for (int estimated : sizes) {
            counter.observe(A, estimated, (int) Math.ceil(estimated * trueRatio));
          }
          double real = probe * trueRatio;
          assertThat((double) counter.scale(A, probe)).isCloseTo(real, within(real * 0.02));
          assertThat(counter.ratio(A)).isCloseTo(trueRatio, within(trueRatio * 0.02));
          assertThat(counter.samples(A)).isEqualTo(40);
        });
  }

  @Test
  void wholeRequestsConvergeAndStayAdditive() {
    qt().withExamples(50).forAll(doubles().between(0.6, 2.5), lists().of(integers().between(1_000, 3_000)).ofSizeBetween(1, 6))
        .checkAssert((trueRatio, lengths) -> {
          CalibratedTokenCounter counter = CalibratedTokenCounter.wrapping(TokenCounter.estimating());
          ChatRequest.Builder b = ChatRequest.builder().system("You are terse. ".repeat(20));
          for (int i = 0; i < lengths.size(); i++) {
            String text = "word ".repeat(lengths.get(i));
            b.addMessage(i % 2 == 0 ? Message.user(text) : Message.assistant(text));
          }
          ChatRequest request = b.build();
          int raw = counter.delegate().countInputTokens(A, request);
          for (int i = 0; i < 30; i++) {
            counter.observe(A, raw, (int) Math.ceil(raw * trueRatio));
          }
          int scaled = counter.countInputTokens(A, request);
          double real = raw * trueRatio;
          assertThat((double) scaled).isCloseTo(real, within(real * 0.02));
          long parts = counter.countFixed(A, request);
          for (Message m : request.messages()) {
            parts += counter.countMessage(A, m);
          }
          assertThat((long) scaled).isEqualTo(parts);
          // Rounding each part up errs high: never below the scaled whole, at most one token per part above it.
          double exactScaled = raw * counter.ratio(A);
          assertThat((double) scaled).isBetween(exactScaled - 1e-6, exactScaled + lengths.size() + 1);
        });
  }

  @Test
  void countsRoundUp() {
    CalibratedTokenCounter counter = CalibratedTokenCounter.wrapping(TokenCounter.estimating());
    assertThat(counter.scale(A, 1_000)).isEqualTo(1_000);
    counter.observe(A, 1_000, 1_001); // ratio 1 + (0.001 / 2)
    assertThat(counter.ratio(A)).isEqualTo(1.0005);
    assertThat(counter.scale(A, 1)).isEqualTo(2);
    assertThat(counter.scale(A, 0)).isZero();
    assertThat(counter.scale(A, Integer.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void samplesAreClampedAndTinyOnesIgnored() {
    CalibratedTokenCounter counter = CalibratedTokenCounter.wrapping(TokenCounter.estimating());
    counter.observe(A, 10, 1_000); // estimate too small to learn from
    counter.observe(A, 1_000, 20);  // actual too small
    assertThat(counter.samples(A)).isZero();
    assertThat(counter.ratio(A)).isEqualTo(1.0);
    for (int i = 0; i < 50; i++) {
      counter.observe(A, 1_000, 50_000);
      counter.observe(B, 50_000, 1_000);
    }
    assertThat(counter.ratio(A)).isCloseTo(3.0, within(1e-3)).isLessThanOrEqualTo(3.0);
    assertThat(counter.ratio(B)).isCloseTo(0.5, within(1e-3)).isGreaterThanOrEqualTo(0.5);
    assertThatThrownBy(() -> counter.observe(A, -1, 5)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void eachModelLearnsItsOwnRatio() {
    CalibratedTokenCounter counter = CalibratedTokenCounter.wrapping(TokenCounter.estimating());
    for (int i = 0; i < 40; i++) {
      counter.observe(A, 1_000, 1_500);
    }
    assertThat(counter.ratio(A)).isCloseTo(1.5, within(0.001));
    assertThat(counter.ratio(B)).isEqualTo(1.0);
    assertThat(counter.samples(B)).isZero();
  }

  @Test
  void concurrentObservationsAreAllCountedAndConverge() throws Exception {
    CalibratedTokenCounter counter = CalibratedTokenCounter.wrapping(TokenCounter.estimating());
    ChatRequest request = ChatRequest.of("word ".repeat(2_000));
    int raw = counter.delegate().countInputTokens(A, request);
    int threads = 8;
    int perThread = 500;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        boolean writer = t % 2 == 0;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < perThread; i++) {
            counter.observe(A, 2_000, 3_400); // 1.7
            counter.observe(B, 2_000, 1_600); // 0.8
            // Readers never see a count outside what the ratios between start and target allow.
            int a = counter.countInputTokens(A, request);
            int b = counter.countInputTokens(B, request);
            assertThat(a).isBetween(raw, (int) Math.ceil(raw * 1.7) + 2);
            assertThat(b).isBetween((int) Math.floor(raw * 0.8), raw);
          }
          return writer;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(counter.samples(A)).isEqualTo((long) threads * perThread);
    assertThat(counter.samples(B)).isEqualTo((long) threads * perThread);
    assertThat(counter.ratio(A)).isCloseTo(1.7, within(1e-9));
    assertThat(counter.ratio(B)).isCloseTo(0.8, within(1e-9));
  }

  @Test
  void settingsAreValidated() {
    TokenCounter est = TokenCounter.estimating();
    assertThatThrownBy(() -> CalibratedTokenCounter.builder(est).alpha(0).build())
        .hasMessageContaining("alpha should be in (0, 1]");
    assertThatThrownBy(() -> CalibratedTokenCounter.builder(est).minRatio(1.2).build())
        .hasMessageContaining("0 < minRatio <= 1 <= maxRatio");
    assertThatThrownBy(() -> CalibratedTokenCounter.builder(est).maxRatio(0.9).build())
        .hasMessageContaining("0 < minRatio <= 1 <= maxRatio");
    assertThatThrownBy(() -> CalibratedTokenCounter.builder(est).minTokens(-1).build())
        .hasMessageContaining("minTokens");
    assertThatThrownBy(() -> CalibratedTokenCounter.builder(null)).hasMessage("delegate");
    assertThat(CalibratedTokenCounter.builder(est).alpha(1).minRatio(0.25).maxRatio(4).minTokens(0).build()
        .toString()).contains("alpha=1.0", "range=[0.25, 4.0]");
  }
}

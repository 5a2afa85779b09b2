package dev.ralex.bench;

import dev.ralex.bandit.LinUcb;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One LinUCB decision plus the Sherman-Morrison update of the chosen arm, over dense feature vectors in [0, 1]
 * (the worst case: the default extractor's vectors are mostly zeros, which the bandit skips). Target: under
 * 10 µs for 8 arms and 64 features. {@link #decideAndUpdateFourThreads} runs the same with 4 threads sharing
 * one bandit.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx1g"})
public class LinUcbBenchmark {
  @Param({"2", "8", "16"})
  int arms;

  @Param({"16", "64", "128"})
  int features;

  private LinUcb bandit;
  private List<String> ids;
  private double[][] vectors;

  @Setup(Level.Trial)
  public void setUp() {
    bandit = LinUcb.builder(features).build();
    ids = new ArrayList<>();
    for (int a = 0; a < arms; a++) {
      ids.add("bench/arm-" + a);
      bandit.addArm(ids.get(a), 0.5);
    }
    SplittableRandom rnd = new SplittableRandom(42);
    vectors = new double[256][features];
    for (double[] x : vectors) {
      x[0] = 1.0;
      for (int i = 1; i < features; i++) {
        x[i] = rnd.nextDouble();
      }
    }
    // Some history, so the matrices are not diagonal.
    for (int i = 0; i < 1_000; i++) {
      bandit.update(ids.get(i % arms), vectors[i & 255], rnd.nextDouble());
    }
  }

  /** Per thread: which vector comes next. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;
  }

  /** One decision and one update, single-threaded. */
  @Benchmark
  public double decideAndUpdate(Cursor cursor) {
    return step(cursor);
  }

  /** One decision and one update, 4 threads on one bandit. */
  @Benchmark
  @Threads(4)
  public double decideAndUpdateFourThreads(Cursor cursor) {
    return step(cursor);
  }

  private double step(Cursor cursor) {
    int i = cursor.next++ & 255;
    double[] x = vectors[i];
    LinUcb.Score s = bandit.decide(x, ids);
    double reward = (i & 1) == 0 ? 0.8 : 0.3;
    bandit.update(s.arm(), x, reward);
    return s.ucb();
  }
}

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
 * One LinUCB decision plus the Sherman-Morrison update of the chosen arm. Target: under 10 µs for 8 arms and 64
 * dense features on one thread.
 *
 * <p>{@link #shape} is {@code ARMSxFEATURES}, optionally {@code /NONZEROS}: without it every entry of the feature
 * vectors is set (the worst case), with it only the bias and {@code NONZEROS - 1} other entries at random places
 * are (the default extractor's hashed-word vectors look like that). {@link #decideAndUpdateFourThreads} runs the
 * same from 4 threads sharing one bandit and reports operations per second across the threads.
 *
 * <pre>
 * java -jar ralex-bench/target/benchmarks.jar 'LinUcbBenchmark.decideAndUpdate$' -f 3 -wi 5 -i 5 \
 *     -p shape=8x16,8x64,8x128,8x64/16,2x64,32x64
 * java -jar ralex-bench/target/benchmarks.jar LinUcbBenchmark.decideAndUpdateFourThreads -f 3 -wi 5 -i 5 \
 *     -p shape=8x64,8x64/16
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"-Xmx1g"})
public class LinUcbBenchmark {
  @Param({"8x16", "8x64", "8x128", "8x64/16", "2x64", "32x64"})
  String shape;

  private LinUcb bandit;
  private List<String> ids;
  private double[][] vectors;

  @Setup(Level.Trial)
  public void setUp() {
    String[] parts = shape.split("[x/]");
    int arms = Integer.parseInt(parts[0]);
    int features = Integer.parseInt(parts[1]);
    int nonZeros = parts.length > 2 ? Integer.parseInt(parts[2]) : features;
    if (nonZeros < 1 || nonZeros > features) {
      throw new IllegalArgumentException("bad shape " + shape);
    }
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
      if (nonZeros == features) {
        for (int i = 1; i < features; i++) {
          x[i] = rnd.nextDouble();
        }
      } else {
        for (int set = 1; set < nonZeros; ) {
          int i = 1 + rnd.nextInt(features - 1);
          if (x[i] == 0.0) {
            x[i] = 0.05 + rnd.nextDouble();
            set++;
          }
        }
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

  /** Decisions and updates per second from 4 threads on one bandit (2 cores here). */
  @Benchmark
  @Threads(4)
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
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

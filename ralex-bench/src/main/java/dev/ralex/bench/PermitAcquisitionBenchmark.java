package dev.ralex.bench;

import dev.ralex.api.ModelInfo;
import dev.ralex.core.ModelCatalog;
import dev.ralex.core.RateLimit;
import dev.ralex.core.RateLimiter;
import dev.ralex.core.Sleeper;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one rate-limit permit: {@code limiter.acquire(model, 1_000)} then {@code permit.complete(800)} on
 * the limiter {@code Ralex} builds ({@link RateLimiter#of(List, Clock, Sleeper)}: in-memory buckets, adaptive
 * learning on), for {@code anthropic/claude-haiku-4-5} from the bundled catalog. The target: under 300 ns
 * uncontended.
 *
 * <ul>
 *   <li>{@code configured}: one limit on {@code anthropic}, so large that no op ever waits: every op takes from
 *       the request and token buckets and gives 200 tokens back;
 *   <li>{@code unconfigured}: no limit configured; adaptive learning on, nothing learned (no headers seen), so
 *       only the lookups that find nothing to enforce;
 *   <li>{@code configuredContended}: {@code configured} from 16 threads at once on one limiter (all sharing its
 *       two buckets); its time per op is per thread, so divide by 16 for the limiter's throughput.
 * </ul>
 *
 * <p>Run with {@code -prof gc} for allocation per op.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx1g"})
public class PermitAcquisitionBenchmark {
  /** Tokens each op reserves: input estimate plus max output. */
  static final long RESERVED = 1_000;
  /** Tokens each op reports as billed. */
  static final long ACTUAL = 800;

  private ModelInfo model;
  private RateLimiter configured;
  private RateLimiter unconfigured;

  /** Builds both limiters and takes one permit from each, so every bucket exists before measuring. */
  @Setup(Level.Trial)
  public void setUp() {
    model = ModelCatalog.bundled().require("anthropic/claude-haiku-4-5");
    // Limits far above any rate the benchmark reaches (as in PipelineOverheadBenchmark): never a wait.
    configured = RateLimiter.of(List.of(RateLimit.of("anthropic", Integer.MAX_VALUE, Long.MAX_VALUE)),
        Clock.systemUTC(), Sleeper.SYSTEM);
    unconfigured = RateLimiter.of(List.of(), Clock.systemUTC(), Sleeper.SYSTEM);
    configured.acquire(model, RESERVED).complete(ACTUAL);
    unconfigured.acquire(model, RESERVED).complete(ACTUAL);
  }

  /** A permit under a configured limit, one thread. */
  @Benchmark
  public RateLimiter.Permit configured() {
    RateLimiter.Permit permit = configured.acquire(model, RESERVED);
    permit.complete(ACTUAL);
    return permit;
  }

  /** A permit with no configured limit (adaptive, nothing learned), one thread. */
  @Benchmark
  public RateLimiter.Permit unconfigured() {
    RateLimiter.Permit permit = unconfigured.acquire(model, RESERVED);
    permit.complete(ACTUAL);
    return permit;
  }

  /** A permit under a configured limit, 16 threads on the same limiter and buckets. */
  @Benchmark
  @Threads(16)
  public RateLimiter.Permit configuredContended() {
    RateLimiter.Permit permit = configured.acquire(model, RESERVED);
    permit.complete(ACTUAL);
    return permit;
  }
}

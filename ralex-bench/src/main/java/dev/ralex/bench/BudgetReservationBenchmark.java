package dev.ralex.bench;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.Usage;
import dev.ralex.core.Budget;
import dev.ralex.core.BudgetScope;
import dev.ralex.core.UsageRecord;
import dev.ralex.core.UsageTracker;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
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
 * The budget gate's own cost: one reservation against a daily global budget and a daily tag budget (check both,
 * debit both, under the tracker's lock), then its commit with the real cost, on the in-memory tracker. The caps
 * are far above what a run spends, so no reservation is refused; records are not kept, so memory stays flat.
 * {@code reserve} alone is the check plus reservation; {@code reserveAndCommit} is a whole attempt's budget
 * work; {@code contended} runs it from 8 threads on one tracker.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx1g"})
public class BudgetReservationBenchmark {
  private static final BigDecimal WORST = new BigDecimal("0.0123");
  private static final BigDecimal REAL = new BigDecimal("0.0041");

  private UsageTracker tracker;
  private ChatRequest request;
  private UsageRecord record;

  @Setup(Level.Trial)
  public void setUp() {
    ZoneId zone = ZoneOffset.UTC;
    tracker = UsageTracker.inMemory(List.of(
        Budget.daily(new BigDecimal("1000000000")),
        new Budget(Budget.Period.DAILY, new BigDecimal("1000000000"), BudgetScope.tag("team", "search"))),
        Clock.systemUTC(), zone, 0);
    request = ChatRequest.builder().addUserMessage("hello").tag("team", "search").build();
    record = new UsageRecord("call-1", Clock.systemUTC().instant(), "instant/model", "instant", Usage.of(260, 3),
        REAL, Map.of("team", "search"), null);
  }

  /** The check plus the reservation, released at once (release is a subtraction per budget). */
  @Benchmark
  public void reserveAndRelease() {
    tracker.reserve(request, PipelineOverheadBenchmark.MODEL, WORST).release();
  }

  /** A whole attempt's budget work: reserve the worst case, then commit the real cost. */
  @Benchmark
  public void reserveAndCommit() {
    tracker.reserve(request, PipelineOverheadBenchmark.MODEL, WORST).commit(record);
  }

  /** As {@link #reserveAndCommit()}, from 8 threads sharing the tracker. */
  @Benchmark
  @Threads(8)
  public void contended() {
    tracker.reserve(request, PipelineOverheadBenchmark.MODEL, WORST).commit(record);
  }
}

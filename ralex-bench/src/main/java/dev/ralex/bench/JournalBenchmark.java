package dev.ralex.bench;

import dev.ralex.api.Usage;
import dev.ralex.core.UsageRecord;
import dev.ralex.core.UsageStore;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Durable appends per second to the usage journal ({@code UsageStore.journal}) in a temporary directory on the
 * default file system: {@code FLUSH_EACH} (one forced write per record) from one thread, and {@code GROUP_COMMIT}
 * (concurrent appenders share a force) from one and from eight threads. Every append returns only once its
 * record is on disk, so the figures are bounded by the device's flush latency; run it on the disk a deployment
 * would use.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class JournalBenchmark {
  /** A typical record: a tag, a conversation, cache tokens, a micro-dollar cost. */
  static final UsageRecord RECORD = new UsageRecord("call-0123456789abcdef", Instant.parse("2026-11-27T10:15:30Z"),
      "anthropic/claude-haiku-4-5", "anthropic", new Usage(1_200, 250, 4_000, 0), new BigDecimal("0.002650"),
      Map.of("team", "search"), "conversation-42");

  /** A journal in a fresh temporary directory, deleted after the trial. */
  abstract static class Journal {
    Path directory;
    UsageStore store;

    abstract UsageStore.FlushPolicy policy();

    @Setup(Level.Trial)
    public void open() throws IOException {
      directory = Files.createTempDirectory("ralex-journal-bench");
      store = UsageStore.journalBuilder(directory).flushPolicy(policy()).build();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      store.close();
      try (Stream<Path> files = Files.walk(directory)) {
        for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
          Files.delete(p);
        }
      }
    }
  }

  /** A journal forcing each record. */
  @State(Scope.Benchmark)
  public static class FlushEach extends Journal {
    @Override
    UsageStore.FlushPolicy policy() {
      return UsageStore.FlushPolicy.FLUSH_EACH;
    }
  }

  /** A journal with group commit, shared by every benchmark thread. */
  @State(Scope.Benchmark)
  public static class GroupCommit extends Journal {
    @Override
    UsageStore.FlushPolicy policy() {
      return UsageStore.FlushPolicy.GROUP_COMMIT;
    }
  }

  /** One thread, a force per record. */
  @Benchmark
  @Threads(1)
  public void flushEach1Thread(FlushEach journal) {
    journal.store.append(RECORD);
  }

  /** One thread with group commit: nobody to share a force with, so about {@code flushEach1Thread}. */
  @Benchmark
  @Threads(1)
  public void groupCommit1Thread(GroupCommit journal) {
    journal.store.append(RECORD);
  }

  /** Eight threads sharing forces; the score is the appends of all eight per second. */
  @Benchmark
  @Threads(8)
  public void groupCommit8Threads(GroupCommit journal) {
    journal.store.append(RECORD);
  }
}

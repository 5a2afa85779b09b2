package dev.ralex.core;

import dev.ralex.api.Usage;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * Run in a second JVM by {@link JournalUsageStoreTest}: appends records to the journal in {@code args[0]} with
 * the flush policy {@code args[1]} from {@code args[2]} threads, forever, and prints each record's call id to
 * stdout (flushed, ended by {@code ;}) as soon as its append has returned, so the parent knows which records were durable when it
 * kills this process.
 */
public final class JournalCrashChild {
  private JournalCrashChild() {}

  /** Appends until killed. */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    UsageStore.FlushPolicy policy = UsageStore.FlushPolicy.valueOf(args[1]);
    int threads = Integer.parseInt(args[2]);
    UsageStore store = UsageStore.journalBuilder(dir).flushPolicy(policy).build();
    PrintStream out = System.out;
    Instant base = Instant.parse("2026-07-31T23:59:00Z"); // the records cross into a second month file
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread worker = new Thread(() -> {
        for (long i = 0; ; i++) {
          String id = "child-" + thread + "-" + i;
          store.append(new UsageRecord(id, base.plusMillis(i * 10), "test/model", "test",
              new Usage(i, 2 * i, 3, 4), new BigDecimal("0.000" + (i % 1000)), Map.of("thread", "" + thread),
              i % 2 == 0 ? "conv-" + thread : null));
          synchronized (out) {
            out.print(id + ";\n"); // the ';' marks a whole id: the kill may cut a line
            out.flush();
          }
        }
      }, "appender-" + t);
      worker.start();
    }
  }
}

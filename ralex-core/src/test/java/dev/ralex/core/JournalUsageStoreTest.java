package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.Usage;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What only the journal does: files, torn and corrupt records, real crashes, group commit. */
class JournalUsageStoreTest {
  static final Instant FROM = Instant.parse("2000-01-01T00:00:00Z");
  static final Instant TO = Instant.parse("2100-01-01T00:00:00Z");
  static final Instant T = Instant.parse("2026-03-10T12:00:00Z");

  @TempDir
  Path dir;

  static UsageRecord record(int i) {
    return new UsageRecord("call-" + i, T.plusSeconds(i), "test/model", "test", new Usage(i, 2L * i, 3, 4),
        new BigDecimal("0.0" + i), Map.of("team", "t" + i), i % 2 == 0 ? "conv" : null);
  }

  private Path writeThree() {
    try (UsageStore store = UsageStore.journal(dir)) {
      for (int i = 1; i <= 3; i++) {
        store.append(record(i));
      }
    }
    return dir.resolve("usage-2026-03.journal");
  }

  /** Runs {@code action}, returning what it logged (slf4j-simple writes to System.err). */
  private static String stderrOf(Supplier<?> action) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      action.get();
    } finally {
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void oneFilePerUtcMonthWithAHeader() throws IOException {
    try (UsageStore store = UsageStore.journal(dir)) {
      store.append(record(1));
      store.append(new UsageRecord("feb", Instant.parse("2026-02-28T23:59:59Z"), "m", "p", Usage.ZERO,
          BigDecimal.ONE, Map.of(), null));
    }
    assertThat(dir.resolve("usage-2026-02.journal")).exists();
    Path march = dir.resolve("usage-2026-03.journal");
    byte[] bytes = Files.readAllBytes(march);
    assertThat(Arrays.copyOf(bytes, 4)).isEqualTo("RLXU".getBytes(StandardCharsets.US_ASCII));
    assertThat(bytes.length).isEqualTo(8 + JournalCodec.encode(record(1)).length);
  }

  @Test
  void aTornLastRecordIsCutOffWithAWarningAndTheRestKept() throws IOException {
    Path file = writeThree();
    long whole = Files.size(file);
    byte[] fourth = JournalCodec.encode(record(4));
    Files.write(file, Arrays.copyOf(fourth, fourth.length / 2), StandardOpenOption.APPEND);

    List<UsageRecord> back = new ArrayList<>();
    String log = stderrOf(() -> {
      try (UsageStore store = UsageStore.journal(dir)) {
        back.addAll(store.records(FROM, TO));
      }
      return null;
    });

    assertThat(back).containsExactly(record(1), record(2), record(3));
    assertThat(Files.size(file)).isEqualTo(whole);
    assertThat(log).contains("WARN").contains(file.toString()).contains("torn record at offset " + whole);
    // Appends go on after the cut, and the journal is whole again.
    try (UsageStore store = UsageStore.journal(dir)) {
      store.append(record(4));
    }
    try (UsageStore store = UsageStore.journal(dir)) {
      assertThat(store.records(FROM, TO)).containsExactly(record(1), record(2), record(3), record(4));
    }
  }

  @Test
  void aTailOfZerosOrAHeaderOnlyIsTorn() throws IOException {
    Path file = writeThree();
    long whole = Files.size(file);
    Files.write(file, new byte[700], StandardOpenOption.APPEND);
    Files.write(file, ByteBuffer.allocate(8).putInt(40).putInt(12345).array(), StandardOpenOption.APPEND);
    try (UsageStore store = UsageStore.journal(dir)) {
      assertThat(store.records(FROM, TO)).hasSize(3);
    }
    assertThat(Files.size(file)).isEqualTo(whole);
  }

  @Test
  void aCorruptRecordInTheMiddleFailsTheOpenNamingFileAndOffset() throws IOException {
    Path file = writeThree();
    byte[] original = Files.readAllBytes(file);
    long second = 8 + JournalCodec.encode(record(1)).length;
    byte[] damaged = original.clone();
    damaged[(int) second + 8 + 20] ^= 0x01; // one bit inside the second record's payload
    Files.write(file, damaged);

    assertThatThrownBy(() -> UsageStore.journal(dir))
        .isInstanceOf(UsageStoreException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("corrupt at offset " + second)
        .hasMessageContaining("CRC32C");
    // Nothing was cut or rewritten, and the directory is not left locked.
    assertThat(Files.readAllBytes(file)).isEqualTo(damaged);
    Files.write(file, original);
    try (UsageStore store = UsageStore.journal(dir)) {
      assertThat(store.records(FROM, TO)).hasSize(3);
    }
  }

  @Test
  void aDamagedLengthInTheMiddleIsCorruptionNotATornTail() throws IOException {
    Path file = writeThree();
    byte[] bytes = Files.readAllBytes(file);
    long second = 8 + JournalCodec.encode(record(1)).length;
    ByteBuffer.wrap(bytes).putInt((int) second, 100_000); // points past the end of the file
    Files.write(file, bytes);
    assertThatThrownBy(() -> UsageStore.journal(dir))
        .isInstanceOf(UsageStoreException.class)
        .hasMessageContaining("corrupt at offset " + second);
    assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
  }

  @Test
  void aFileThatIsNotAJournalIsRefused() throws IOException {
    Files.write(dir.resolve("usage-2026-01.journal"), "hello, world".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> UsageStore.journal(dir))
        .isInstanceOf(UsageStoreException.class)
        .hasMessageContaining("usage-2026-01.journal")
        .hasMessageContaining("not a Ralex usage journal");
  }

  @Test
  void theLeftoverOfAnInterruptedCompactionIsRemovedAndTheJournalKept() throws IOException {
    Path file = writeThree();
    Path temp = dir.resolve("usage-2026-03.journal.compacting");
    Files.write(temp, Arrays.copyOf(Files.readAllBytes(file), 30)); // a compaction killed mid-write
    try (UsageStore store = UsageStore.journal(dir)) {
      assertThat(store.records(FROM, TO)).hasSize(3);
    }
    assertThat(temp).doesNotExist();
  }

  @Test
  void compactionReplacesTheFileAtomicallyAndShrinksIt() throws IOException {
    try (UsageStore store = UsageStore.journal(dir)) {
      for (int i = 0; i < 500; i++) {
        store.append(new UsageRecord("c" + i, T.plusSeconds(i * 60L), "m", "p", Usage.of(10, 1),
            new BigDecimal("0.001"), Map.of(), null));
      }
      Path file = dir.resolve("usage-2026-03.journal");
      long before = Files.size(file);
      store.compact(T.plusSeconds(86_400 * 2));
      assertThat(Files.size(file)).isLessThan(before / 10);
      assertThat(store.spent(FROM, TO, BudgetScope.GLOBAL)).isEqualTo(new BigDecimal("0.500"));
      assertThat(store.aggregates(FROM, TO)).hasSize(1); // all of one day
      assertThat(Files.list(dir).map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(".lock", "usage-2026-03.journal");
      store.append(record(1)); // appends after compaction reopen the new file
      assertThat(store.records(FROM, TO)).containsExactly(record(1));
    }
  }

  @Test
  void aDirectoryInUseIsRefused() {
    try (UsageStore store = UsageStore.journal(dir)) {
      assertThatThrownBy(() -> UsageStore.journal(dir))
          .isInstanceOf(UsageStoreException.class)
          .hasMessageContaining(dir.toAbsolutePath().normalize().toString())
          .hasMessageContaining("already open");
    }
    UsageStore.journal(dir).close(); // released on close
  }

  @Test
  @Timeout(60)
  void groupCommitSharesFlushesBetweenConcurrentAppenders() throws Exception {
    int threads = 8;
    int perThread = 200;
    JournalUsageStore store = (JournalUsageStore) UsageStore.journalBuilder(dir)
        .flushPolicy(UsageStore.FlushPolicy.GROUP_COMMIT).build();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < perThread; i++) {
            store.append(record(thread * 1000 + i));
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(50, TimeUnit.SECONDS);
      }
      assertThat(store.records(FROM, TO)).hasSize(threads * perThread);
      assertThat(store.forces()).isGreaterThan(0).isLessThan(threads * perThread);
    } finally {
      pool.shutdownNow();
      store.close();
    }
  }

  private static String idOf(String line) {
    assertThat(line).startsWith("child-").endsWith(";");
    return line.substring(0, line.length() - 1);
  }

  @ParameterizedTest
  @EnumSource(UsageStore.FlushPolicy.class)
  @Timeout(90)
  void everyRecordReportedDurableSurvivesAKilledProcess(UsageStore.FlushPolicy policy) throws Exception {
    Path journal = dir.resolve("journal");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        JournalCrashChild.class.getName(), journal.toString(), policy.name(), "4");
    File stderr = dir.resolve("child-stderr.txt").toFile();
    builder.redirectError(stderr);
    Process child = builder.start();
    Set<String> reported = new HashSet<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while (reported.size() < 400 && (line = out.readLine()) != null) {
        reported.add(idOf(line));
      }
      assertThat(reported).as("the child's output; its stderr: %s", stderr).hasSize(400);
      // SIGKILL mid-stream, while its appenders are still writing. Through the ProcessHandle, which (unlike
      // Process.destroyForcibly) leaves our end of the pipe open to read what the child printed before it died.
      assertThat(child.toHandle().destroyForcibly()).isTrue();
      // Lines already in the pipe were printed after their append returned: durable too.
      while ((line = out.readLine()) != null) {
        if (line.endsWith(";")) { // a line cut by the kill has no ';'
          reported.add(idOf(line));
        }
      }
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    try (UsageStore store = UsageStore.journal(journal)) {
      List<UsageRecord> back = store.records(FROM, TO);
      Set<String> ids = new HashSet<>();
      for (UsageRecord r : back) {
        assertThat(ids.add(r.callId())).as("stored twice: %s", r.callId()).isTrue();
      }
      assertThat(ids).containsAll(reported);
      assertThat(back).allSatisfy(r -> assertThat(r.model()).isEqualTo("test/model"));
    }
  }

  /** One entry in the layout of the journal before cache hits, built by hand from its documented format. */
  private static byte[] versionOneEntry(boolean aggregate) throws IOException {
    ByteArrayOutputStream payload = new ByteArrayOutputStream();
    java.io.DataOutputStream out = new java.io.DataOutputStream(payload);
    byte[] cost = new BigDecimal("0.0450").unscaledValue().toByteArray();
    if (aggregate) {
      out.writeByte(2);
      out.writeLong(Instant.parse("2026-03-01T00:00:00Z").getEpochSecond());
      out.writeInt(0);
      writeString(out, "m");
      writeString(out, "p");
      out.writeInt(0); // no tags
      out.writeByte(0); // no conversation
      out.writeLong(3);
    } else {
      out.writeByte(1);
      writeString(out, "old");
      out.writeLong(T.getEpochSecond());
      out.writeInt(7);
      writeString(out, "m");
      writeString(out, "p");
    }
    for (long tokens : new long[] {100, 20, 0, 0}) {
      out.writeLong(tokens);
    }
    out.writeInt(4);
    out.writeInt(cost.length);
    out.write(cost);
    if (!aggregate) {
      out.writeInt(1);
      writeString(out, "team");
      writeString(out, "search");
      out.writeByte(1);
      writeString(out, "conv-1");
    }
    byte[] p = payload.toByteArray();
    return ByteBuffer.allocate(8 + p.length).putInt(p.length).putInt(JournalCodec.crc(p, 0, p.length)).put(p)
        .array();
  }

  private static void writeString(java.io.DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  @Test
  void aJournalWrittenBeforeCacheHitsReadsAsBilledAndTakesHits() throws IOException {
    UsageRecord old = new UsageRecord("old", T.plusNanos(7), "m", "p", Usage.of(100, 20), new BigDecimal("0.0450"),
        Map.of("team", "search"), "conv-1");
    // Billed attempts are still written byte for byte as before, so older Ralex versions read them too.
    assertThat(JournalCodec.encode(old)).isEqualTo(versionOneEntry(false));
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    file.write(JournalCodec.fileHeader());
    file.write(versionOneEntry(false));
    file.write(versionOneEntry(true));
    Files.write(dir.resolve("usage-2026-03.journal"), file.toByteArray());

    UsageRecord hit = UsageRecord.cacheHit("hit", T.plusSeconds(1), "m", "p", new BigDecimal("0.0450"),
        Map.of("team", "search"), "conv-1");
    try (UsageStore store = UsageStore.journal(dir)) {
      assertThat(store.records(FROM, TO)).containsExactly(old);
      assertThat(store.records(FROM, TO).get(0).kind()).isEqualTo(UsageRecord.Kind.BILLED);
      assertThat(store.aggregates(FROM, TO)).singleElement().satisfies(a -> {
        assertThat(a.kind()).isEqualTo(UsageRecord.Kind.BILLED);
        assertThat(a.saved()).isZero();
        assertThat(a.count()).isEqualTo(3);
      });
      store.append(hit);
    }
    try (UsageStore store = UsageStore.journal(dir)) {
      assertThat(store.records(FROM, TO)).containsExactly(old, hit);
      assertThat(store.spent(FROM, TO, BudgetScope.GLOBAL)).isEqualTo(new BigDecimal("0.0900"));
    }
  }

  @Test
  void anUnknownRecordKindIsCorruption() {
    byte[] entry = JournalCodec.encode(UsageRecord.cacheHit("h", T, "m", "p", BigDecimal.ONE, Map.of(), null));
    byte[] payload = Arrays.copyOfRange(entry, 8, entry.length);
    // The kind byte sits just before the saved decimal (scale, length, one byte of unscaled value).
    payload[payload.length - 1 - 4 - 4 - 1] = 9;
    assertThatThrownBy(() -> JournalCodec.decode(payload)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown record kind 9");
  }
}

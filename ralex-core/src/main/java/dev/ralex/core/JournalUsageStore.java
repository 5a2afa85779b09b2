package dev.ralex.core;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link UsageStore} as an append-only journal: one file {@code usage-YYYY-MM.journal} per UTC month of the
 * records' times, in {@link JournalCodec}'s format (length, CRC32C, payload per entry).
 *
 * <p>Appends write their entry at the end of the month's file under one lock, then make it durable by the
 * {@link UsageStore.FlushPolicy}: {@code FLUSH_EACH} forces the file under the lock; {@code GROUP_COMMIT} leaves
 * the lock and waits until a leader (the first waiting appender when no flush runs) has forced every file
 * written up to a point at or past its entry; the leader forces outside the lock, so later appenders keep
 * writing and form the next batch. Any write or force failure marks the store broken: what reached the disk is
 * unknown, so every later append fails too, until the store is reopened (which cuts off a torn tail).
 *
 * <p>Queries read files through their own channels up to the length of the entries written when the query
 * started, so they never see a half-written entry. Compaction rewrites one month file at a time into a
 * temporary file, forces it, renames it atomically over the original and forces the directory; a crash at any
 * point leaves either the old file or the new one, and the temporary file is removed on the next open. A
 * read-write lock keeps queries off a file while it is being replaced.
 *
 * <p>A lock file ({@code .lock}) held with {@link FileLock} keeps other processes and stores out of the directory.
 */
final class JournalUsageStore implements UsageStore {
  private static final Logger LOG = LoggerFactory.getLogger(JournalUsageStore.class);
  static final String PREFIX = "usage-";
  static final String SUFFIX = ".journal";
  static final String TEMP_SUFFIX = ".compacting";
  static final String LOCK_FILE = ".lock";
  /** More than any zone's offset from UTC: how far a day's start may lie outside its records' UTC month. */
  private static final Duration SLACK = Duration.ofDays(1);

  private final Path directory;
  private final FlushPolicy policy;
  private final ZoneId zone;
  private final FileChannel lockChannel;
  private final FileLock fileLock;
  /** Shared by queries, exclusive for compaction and close: no query reads a file being replaced. */
  private final ReentrantReadWriteLock files = new ReentrantReadWriteLock();
  /** Guards the fields below and every write to a segment. */
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition flushDone = lock.newCondition();
  private final TreeMap<YearMonth, Segment> segments = new TreeMap<>();
  private final Set<Segment> dirty = new LinkedHashSet<>();
  private long written;
  private long durable;
  private boolean flushing;
  private UsageStoreException broken;
  private boolean closed;
  private final AtomicLong forces = new AtomicLong();

  /** One month's file; guarded by {@link #lock}. */
  private static final class Segment {
    final YearMonth month;
    final Path file;
    /** The end of the last whole entry. */
    long size;
    /** Open for appending once something was appended since open or compaction; else null. */
    FileChannel channel;

    Segment(YearMonth month, Path file, long size) {
      this.month = month;
      this.file = file;
      this.size = size;
    }
  }

  private JournalUsageStore(Path directory, FlushPolicy policy, ZoneId zone, FileChannel lockChannel,
      FileLock fileLock) {
    this.directory = directory;
    this.policy = policy;
    this.zone = zone;
    this.lockChannel = lockChannel;
    this.fileLock = fileLock;
  }

  static JournalUsageStore open(Path directory, FlushPolicy policy, ZoneId zone) {
    Path dir = directory.toAbsolutePath().normalize();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UsageStoreException("cannot create the usage journal directory " + dir, e);
    }
    Path lockPath = dir.resolve(LOCK_FILE);
    FileChannel lockChannel;
    FileLock fileLock;
    try {
      lockChannel = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UsageStoreException("cannot open the usage journal lock file " + lockPath, e);
    }
    try {
      fileLock = lockChannel.tryLock();
      if (fileLock == null) {
        throw new UsageStoreException("the usage journal " + dir + " is in use by another process", null);
      }
    } catch (OverlappingFileLockException e) {
      closeQuietly(lockChannel);
      throw new UsageStoreException("the usage journal " + dir + " is already open in this process", e);
    } catch (IOException | RuntimeException e) {
      closeQuietly(lockChannel);
      throw e instanceof UsageStoreException u ? u
          : new UsageStoreException("cannot lock the usage journal lock file " + lockPath, e);
    }
    JournalUsageStore store = new JournalUsageStore(dir, policy, zone, lockChannel, fileLock);
    try {
      store.recover();
    } catch (RuntimeException e) {
      store.releaseLock();
      throw e;
    }
    return store;
  }

  /** Removes leftovers of interrupted compactions, checks every file and cuts off torn tails. */
  private void recover() {
    List<Path> found = new ArrayList<>();
    try (DirectoryStream<Path> list = Files.newDirectoryStream(directory, PREFIX + "*")) {
      for (Path p : list) {
        found.add(p);
      }
    } catch (IOException e) {
      throw new UsageStoreException("cannot list the usage journal directory " + directory, e);
    }
    for (Path p : found) {
      String name = p.getFileName().toString();
      if (name.endsWith(TEMP_SUFFIX)) {
        LOG.warn("Removing {}, left by a compaction that did not finish; the journal file it would have replaced"
            + " is intact", p);
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UsageStoreException("cannot remove the unfinished compaction file " + p, e);
        }
      } else if (name.endsWith(SUFFIX)) {
        YearMonth month;
        try {
          month = YearMonth.parse(name.substring(PREFIX.length(), name.length() - SUFFIX.length()));
        } catch (DateTimeParseException e) {
          continue; // not one of ours
        }
        segments.put(month, new Segment(month, p, recoverFile(p)));
      }
    }
  }

  /** Checks one file whole, cutting off a torn tail; returns its length. */
  private static long recoverFile(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long size = ch.size();
      if (size < JournalCodec.FILE_HEADER_SIZE) {
        // Created but its header not yet on disk when the process died: nothing was ever appended to it.
        LOG.warn("Usage journal {} has a torn header ({} bytes); rewriting it", file, size);
        ch.truncate(0);
        writeFully(ch, ByteBuffer.wrap(JournalCodec.fileHeader()), 0);
        ch.force(true);
        return JournalCodec.FILE_HEADER_SIZE;
      }
      checkHeader(file, ch);
      long end = scan(file, ch, size, true, entry -> { });
      if (end < size) {
        LOG.warn("Usage journal {} ends with a torn record at offset {} ({} bytes, from an interrupted append);"
            + " cutting it off, the {} bytes of whole records before it are kept", file, end, size - end, end);
        ch.truncate(end);
        ch.force(true);
      }
      return end;
    } catch (IOException e) {
      throw new UsageStoreException("cannot read usage journal " + file, e);
    }
  }

  private static void checkHeader(Path file, FileChannel ch) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(JournalCodec.FILE_HEADER_SIZE);
    readFully(ch, header, 0);
    int magic = header.getInt(0);
    int version = header.getInt(4);
    if (magic != JournalCodec.MAGIC) {
      throw new UsageStoreException(file + " is not a Ralex usage journal (bad magic number)", null);
    }
    if (version != JournalCodec.VERSION) {
      throw new UsageStoreException("usage journal " + file + " has format version " + version + "; this version"
          + " of Ralex reads version " + JournalCodec.VERSION, null);
    }
  }

  /**
   * Reads the entries of {@code file} from after its header up to {@code limit}, giving each to {@code sink};
   * returns the end of the last whole entry. A bad entry followed by no whole entry is a torn tail when
   * {@code tornAllowed} (the caller cuts it off); otherwise it is corruption, reported with its offset.
   */
  private static long scan(Path file, FileChannel ch, long limit, boolean tornAllowed, Consumer<Object> sink)
      throws IOException {
    ch.position(JournalCodec.FILE_HEADER_SIZE);
    DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch), 1 << 16));
    long pos = JournalCodec.FILE_HEADER_SIZE;
    while (pos < limit) {
      String problem = null;
      byte[] payload = null;
      if (limit - pos < JournalCodec.ENTRY_HEADER_SIZE) {
        problem = "an incomplete entry header";
      } else {
        int length = in.readInt();
        int crc = in.readInt();
        if (length < 1 || length > JournalCodec.MAX_PAYLOAD) {
          problem = "an impossible entry length " + length;
        } else if (limit - pos - JournalCodec.ENTRY_HEADER_SIZE < length) {
          problem = "an entry of " + length + " bytes running past the end of the file";
        } else {
          payload = new byte[length];
          in.readFully(payload);
          if (JournalCodec.crc(payload, 0, length) != crc) {
            problem = "a CRC32C mismatch";
          }
        }
      }
      if (problem != null) {
        if (tornAllowed && isTornTail(ch, pos, limit)) {
          return pos;
        }
        throw new UsageStoreException("usage journal " + file + " is corrupt at offset " + pos + ": " + problem
            + (tornAllowed ? ", and whole records follow it" : "") + "; no record was dropped. Restore the file"
            + " from a backup, or move it away to start over without the usage it holds", null);
      }
      Object entry;
      try {
        entry = JournalCodec.decode(payload);
      } catch (IllegalArgumentException e) {
        throw new UsageStoreException("usage journal " + file + " is corrupt at offset " + pos
            + ": a malformed entry (" + e.getMessage() + ") with a valid checksum", e);
      }
      sink.accept(entry);
      pos += JournalCodec.ENTRY_HEADER_SIZE + payload.length;
    }
    return pos;
  }

  /**
   * Whether the bad bytes from {@code pos} to {@code end} are what an interrupted append leaves: at most one
   * entry's worth, with no whole valid entry starting anywhere inside them.
   */
  private static boolean isTornTail(FileChannel ch, long pos, long end) throws IOException {
    long remaining = end - pos;
    if (remaining > JournalCodec.ENTRY_HEADER_SIZE + (long) JournalCodec.MAX_PAYLOAD) {
      return false;
    }
    ByteBuffer tail = ByteBuffer.allocate((int) remaining);
    readFully(ch, tail, pos);
    byte[] b = tail.array();
    for (int start = 1; start + JournalCodec.ENTRY_HEADER_SIZE < b.length; start++) {
      int length = tail.getInt(start);
      if (length >= 1 && length <= b.length - start - JournalCodec.ENTRY_HEADER_SIZE
          && JournalCodec.crc(b, start + JournalCodec.ENTRY_HEADER_SIZE, length) == tail.getInt(start + 4)) {
        return false;
      }
    }
    return true;
  }

  // --- appends ------------------------------------------------------------------------------------------------

  @Override
  public void append(UsageRecord record) {
    Objects.requireNonNull(record, "record");
    ByteBuffer entry = ByteBuffer.wrap(JournalCodec.encode(record));
    YearMonth month = YearMonth.from(record.at().atOffset(ZoneOffset.UTC));
    lock.lock();
    try {
      checkWritable();
      Segment s = segmentForAppend(month);
      try {
        writeFully(s.channel, entry, s.size);
      } catch (IOException e) {
        throw fail("cannot append to usage journal " + s.file, e);
      }
      s.size += entry.capacity();
      dirty.add(s);
      long seq = ++written;
      if (policy == FlushPolicy.FLUSH_EACH) {
        forceDirty();
        durable = seq;
      } else {
        awaitDurable(seq);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Waits, holding {@link #lock} on entry and exit, until the entry numbered {@code seq} is on disk. */
  private void awaitDurable(long seq) {
    while (durable < seq) {
      if (broken != null) {
        throw brokenException();
      }
      if (flushing) {
        flushDone.awaitUninterruptibly(); // bounded by the flush in progress
        continue;
      }
      // Lead: force everything written so far, outside the lock, so others keep writing the next batch.
      flushing = true;
      long target = written;
      List<Segment> batch = new ArrayList<>(dirty);
      dirty.clear();
      List<FileChannel> channels = new ArrayList<>(batch.size());
      for (Segment s : batch) {
        channels.add(s.channel);
      }
      IOException failure = null;
      Segment failed = null;
      lock.unlock();
      try {
        for (int i = 0; i < channels.size(); i++) {
          failed = batch.get(i);
          channels.get(i).force(false);
          forces.incrementAndGet();
        }
      } catch (IOException e) {
        failure = e;
      } finally {
        lock.lock();
        flushing = false;
        flushDone.signalAll();
      }
      if (failure != null) {
        throw fail("cannot force usage journal " + failed.file + " to disk", failure);
      }
      durable = Math.max(durable, target);
    }
  }

  /** Forces every written file; holding {@link #lock}, with no flush in progress. */
  private void forceDirty() {
    for (Segment s : dirty) {
      try {
        s.channel.force(false);
        forces.incrementAndGet();
      } catch (IOException e) {
        throw fail("cannot force usage journal " + s.file + " to disk", e);
      }
    }
    dirty.clear();
  }

  /** Waits, holding {@link #lock}, until no group-commit leader is forcing outside the lock. */
  private void awaitNoFlush() {
    while (flushing) {
      flushDone.awaitUninterruptibly();
    }
  }

  private Segment segmentForAppend(YearMonth month) {
    Segment s = segments.get(month);
    if (s == null) {
      Path file = directory.resolve(PREFIX + month + SUFFIX);
      try {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
          writeFully(ch, ByteBuffer.wrap(JournalCodec.fileHeader()), 0);
          ch.force(true);
        } catch (IOException e) {
          closeQuietly(ch);
          throw e;
        }
        syncDirectory();
        s = new Segment(month, file, JournalCodec.FILE_HEADER_SIZE);
        s.channel = ch;
      } catch (IOException e) {
        throw fail("cannot create usage journal " + file, e);
      }
      segments.put(month, s);
    } else if (s.channel == null) {
      try {
        s.channel = FileChannel.open(s.file, StandardOpenOption.WRITE);
      } catch (IOException e) {
        throw new UsageStoreException("cannot open usage journal " + s.file + " for appending", e);
      }
    }
    return s;
  }

  /** Marks the store broken after a failed write or force: what reached the disk is unknown. */
  private UsageStoreException fail(String message, IOException cause) {
    broken = new UsageStoreException(message + "; the journal refuses further appends until it is reopened",
        cause);
    flushDone.signalAll();
    return broken;
  }

  private UsageStoreException brokenException() {
    return new UsageStoreException(broken.getMessage(), broken.getCause());
  }

  private void checkWritable() {
    if (closed) {
      throw new IllegalStateException("usage store is closed");
    }
    if (broken != null) {
      throw brokenException();
    }
  }

  // --- queries ------------------------------------------------------------------------------------------------

  /** A file to read and how much of it holds whole entries. */
  private record Snapshot(Path file, long size) {}

  /** Reads every entry of the months that may hold times in [from, to), in month order, then append order. */
  private void read(Instant from, Instant to, Consumer<Object> sink) {
    UsageStoreSupport.checkRange(from, to);
    files.readLock().lock();
    try {
      List<Snapshot> snapshots = new ArrayList<>();
      lock.lock();
      try {
        if (closed) {
          throw new IllegalStateException("usage store is closed");
        }
        for (Segment s : segments.values()) {
          Instant start = s.month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
          Instant end = s.month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
          if (end.plus(SLACK).isAfter(from) && start.minus(SLACK).isBefore(to)) {
            snapshots.add(new Snapshot(s.file, s.size));
          }
        }
      } finally {
        lock.unlock();
      }
      for (Snapshot snap : snapshots) {
        try (FileChannel ch = FileChannel.open(snap.file, StandardOpenOption.READ)) {
          scan(snap.file, ch, snap.size, false, sink);
        } catch (IOException e) {
          throw new UsageStoreException("cannot read usage journal " + snap.file, e);
        }
      }
    } finally {
      files.readLock().unlock();
    }
  }

  @Override
  public List<UsageRecord> records(Instant from, Instant to) {
    List<UsageRecord> out = new ArrayList<>();
    read(from, to, e -> {
      if (e instanceof UsageRecord r && UsageStoreSupport.inRange(r.at(), from, to)) {
        out.add(r);
      }
    });
    out.sort(Comparator.comparing(UsageRecord::at));
    return out;
  }

  @Override
  public List<Aggregate> aggregates(Instant from, Instant to) {
    List<Aggregate> out = new ArrayList<>();
    read(from, to, e -> {
      if (e instanceof Aggregate a && UsageStoreSupport.inRange(a.dayStart(), from, to)) {
        out.add(a);
      }
    });
    out.sort(Comparator.comparing(Aggregate::dayStart));
    return out;
  }

  @Override
  public Map<BudgetScope, BigDecimal> spent(Instant from, Instant to, Collection<BudgetScope> scopes) {
    UsageStoreSupport.SpendSums sums = new UsageStoreSupport.SpendSums(scopes);
    read(from, to, e -> {
      if (e instanceof UsageRecord r) {
        if (UsageStoreSupport.inRange(r.at(), from, to)) {
          sums.add(r);
        }
      } else {
        Aggregate a = (Aggregate) e;
        if (UsageStoreSupport.inRange(a.dayStart(), from, to)) {
          sums.add(a);
        }
      }
    });
    return sums.result();
  }

  // --- compaction ---------------------------------------------------------------------------------------------

  @Override
  public void compact(Instant before) {
    Objects.requireNonNull(before, "before");
    Instant cut = UsageStoreSupport.dayStart(before, zone);
    List<YearMonth> months;
    lock.lock();
    try {
      checkWritable();
      months = new ArrayList<>();
      for (YearMonth m : segments.keySet()) {
        // Only files that can hold records before the cut; each is compacted on its own, so appends to the
        // others go on meanwhile.
        if (m.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().isBefore(cut)) {
          months.add(m);
        }
      }
    } finally {
      lock.unlock();
    }
    for (YearMonth m : months) {
      compactMonth(m, cut);
    }
  }

  private void compactMonth(YearMonth month, Instant cut) {
    files.writeLock().lock();
    lock.lock();
    try {
      checkWritable();
      awaitNoFlush();
      forceDirty(); // appended records are durable in the old file before it is read
      durable = written;
      flushDone.signalAll();
      Segment s = segments.get(month);
      List<Aggregate> aggregates = new ArrayList<>();
      List<UsageRecord> old = new ArrayList<>();
      List<UsageRecord> kept = new ArrayList<>();
      try (FileChannel ch = FileChannel.open(s.file, StandardOpenOption.READ)) {
        scan(s.file, ch, s.size, false, e -> {
          if (e instanceof Aggregate a) {
            aggregates.add(a);
          } else {
            UsageRecord r = (UsageRecord) e;
            (r.at().isBefore(cut) ? old : kept).add(r);
          }
        });
      } catch (IOException e) {
        throw new UsageStoreException("cannot read usage journal " + s.file + " to compact it", e);
      }
      if (old.isEmpty()) {
        return;
      }
      List<Aggregate> merged = UsageStoreSupport.aggregate(aggregates, old, zone);
      Path temp = directory.resolve(s.file.getFileName() + TEMP_SUFFIX);
      long size;
      try {
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
          size = writeEntries(out, merged, kept);
          out.force(true);
        }
        if (s.channel != null) {
          FileChannel ch = s.channel;
          s.channel = null;
          ch.close();
        }
        Files.move(temp, s.file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory();
      } catch (AtomicMoveNotSupportedException e) {
        deleteQuietly(temp);
        throw new UsageStoreException("the file system of " + directory + " cannot rename atomically, so usage"
            + " journal " + s.file + " cannot be compacted safely; it is unchanged", e);
      } catch (IOException e) {
        deleteQuietly(temp);
        throw new UsageStoreException("cannot compact usage journal " + s.file + "; it is unchanged", e);
      }
      s.size = size;
      LOG.debug("Compacted {}: {} records into {} daily aggregates, {} records kept", s.file, old.size(),
          merged.size(), kept.size());
    } finally {
      lock.unlock();
      files.writeLock().unlock();
    }
  }

  private static long writeEntries(FileChannel out, List<Aggregate> aggregates, List<UsageRecord> records)
      throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(1 << 16);
    long pos = 0;
    buf.put(JournalCodec.fileHeader());
    List<byte[]> entries = new ArrayList<>(aggregates.size() + records.size());
    for (Aggregate a : aggregates) {
      entries.add(JournalCodec.encode(a));
    }
    for (UsageRecord r : records) {
      entries.add(JournalCodec.encode(r));
    }
    for (byte[] e : entries) {
      if (buf.remaining() < e.length) {
        buf.flip();
        pos += writeFully(out, buf, pos);
        buf.clear();
      }
      if (e.length > buf.capacity()) {
        pos += writeFully(out, ByteBuffer.wrap(e), pos);
      } else {
        buf.put(e);
      }
    }
    buf.flip();
    pos += writeFully(out, buf, pos);
    return pos;
  }

  // --- lifecycle ----------------------------------------------------------------------------------------------

  @Override
  public ZoneId zone() {
    return zone;
  }

  @Override
  public void close() {
    files.writeLock().lock();
    lock.lock();
    try {
      if (closed) {
        return;
      }
      awaitNoFlush();
      UsageStoreException failure = null;
      if (broken == null) {
        try {
          forceDirty();
          durable = written;
        } catch (UsageStoreException e) {
          failure = e;
        }
      }
      closed = true;
      flushDone.signalAll();
      for (Segment s : segments.values()) {
        if (s.channel != null) {
          closeQuietly(s.channel);
          s.channel = null;
        }
      }
      releaseLock();
      if (failure != null) {
        throw failure;
      }
    } finally {
      lock.unlock();
      files.writeLock().unlock();
    }
  }

  private void releaseLock() {
    try {
      fileLock.release();
    } catch (IOException ignored) {
      // Closing the channel releases it too.
    }
    closeQuietly(lockChannel);
  }

  /** How many times a file was forced since open; for tests of group commit. */
  long forces() {
    return forces.get();
  }

  /** The files of the journal, oldest month first; for tests. */
  List<Path> files() {
    lock.lock();
    try {
      List<Path> out = new ArrayList<>();
      for (Segment s : segments.values()) {
        out.add(s.file);
      }
      return out;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "UsageStore.journal[" + directory + ", " + policy + ", " + zone + "]";
  }

  // --- I/O helpers --------------------------------------------------------------------------------------------

  private void syncDirectory() {
    AtomicFiles.syncDirectory(directory);
  }

  private static long writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long start = position;
    while (buf.hasRemaining()) {
      position += ch.write(buf, position);
    }
    return position - start;
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, position);
      if (n < 0) {
        throw new EOFException("end of file at offset " + position);
      }
      position += n;
    }
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // Nothing more to release.
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // Removed on the next open.
    }
  }
}

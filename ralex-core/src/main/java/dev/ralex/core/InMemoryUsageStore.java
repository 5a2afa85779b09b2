package dev.ralex.core;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@link UsageStore} in memory, the default for tests. One lock guards the records and aggregates; queries copy
 * what they return. Nothing survives the process.
 */
final class InMemoryUsageStore implements UsageStore {
  private final ZoneId zone;
  private final Object lock = new Object();
  private final List<UsageRecord> records = new ArrayList<>();
  private List<Aggregate> aggregates = List.of();
  private boolean closed;

  InMemoryUsageStore(ZoneId zone) {
    this.zone = zone;
  }

  @Override
  public void append(UsageRecord record) {
    Objects.requireNonNull(record, "record");
    synchronized (lock) {
      checkOpen();
      records.add(record);
    }
  }

  @Override
  public List<UsageRecord> records(Instant from, Instant to) {
    UsageStoreSupport.checkRange(from, to);
    List<UsageRecord> out = new ArrayList<>();
    synchronized (lock) {
      checkOpen();
      for (UsageRecord r : records) {
        if (UsageStoreSupport.inRange(r.at(), from, to)) {
          out.add(r);
        }
      }
    }
    out.sort(Comparator.comparing(UsageRecord::at)); // stable: equal times keep their append order
    return out;
  }

  @Override
  public List<Aggregate> aggregates(Instant from, Instant to) {
    UsageStoreSupport.checkRange(from, to);
    List<Aggregate> out = new ArrayList<>();
    synchronized (lock) {
      checkOpen();
      for (Aggregate a : aggregates) {
        if (UsageStoreSupport.inRange(a.dayStart(), from, to)) {
          out.add(a);
        }
      }
    }
    return out;
  }

  @Override
  public Map<BudgetScope, BigDecimal> spent(Instant from, Instant to, Collection<BudgetScope> scopes) {
    UsageStoreSupport.checkRange(from, to);
    UsageStoreSupport.SpendSums sums = new UsageStoreSupport.SpendSums(scopes);
    synchronized (lock) {
      checkOpen();
      for (UsageRecord r : records) {
        if (UsageStoreSupport.inRange(r.at(), from, to)) {
          sums.add(r);
        }
      }
      for (Aggregate a : aggregates) {
        if (UsageStoreSupport.inRange(a.dayStart(), from, to)) {
          sums.add(a);
        }
      }
    }
    return sums.result();
  }

  @Override
  public void compact(Instant before) {
    Objects.requireNonNull(before, "before");
    Instant cut = UsageStoreSupport.dayStart(before, zone);
    synchronized (lock) {
      checkOpen();
      List<UsageRecord> old = new ArrayList<>();
      List<UsageRecord> kept = new ArrayList<>();
      for (UsageRecord r : records) {
        (r.at().isBefore(cut) ? old : kept).add(r);
      }
      if (old.isEmpty()) {
        return;
      }
      aggregates = List.copyOf(UsageStoreSupport.aggregate(aggregates, old, zone));
      records.clear();
      records.addAll(kept);
    }
  }

  @Override
  public ZoneId zone() {
    return zone;
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("usage store is closed");
    }
  }

  @Override
  public String toString() {
    return "UsageStore.inMemory[" + zone + "]";
  }
}

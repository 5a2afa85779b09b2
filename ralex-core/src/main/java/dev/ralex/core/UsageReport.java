package dev.ralex.core;

import dev.ralex.api.ModelInfo;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The answer to a {@link UsageQuery}: one row of {@link UsageTotals} per group, in ascending key order (so days
 * and months are chronological), and the total, each with the real cost beside the reference model's and the
 * response-cache hits with what they saved. Immutable.
 *
 * @param query the query answered
 * @param zone the zone days and months were taken in
 * @param rows one per group with at least one billed attempt or cache hit, by ascending key
 * @param total the sum over every row
 * @param complete false if the tracker no longer held every record of the range (an in-memory tracker keeps only
 *     its most recent records), so the figures are a lower bound
 */
public record UsageReport(UsageQuery query, ZoneId zone, List<Row> rows, UsageTotals total, boolean complete) {
  /**
   * One group of a report.
   *
   * @param key the day ({@code 2026-03-29}), month ({@code 2026-03}), model id, provider id, conversation id or
   *     tag value; {@code ""} for calls without a conversation or without the tag, and for an ungrouped report
   * @param totals the group's totals
   */
  public record Row(String key, UsageTotals totals) {
    /** Validates the row. */
    public Row {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(totals, "totals");
    }
  }

  /** Validates the report. */
  public UsageReport {
    Objects.requireNonNull(query, "query");
    Objects.requireNonNull(zone, "zone");
    rows = List.copyOf(rows);
    Objects.requireNonNull(total, "total");
  }

  /** The row with this key, if any billed attempt or cache hit fell in it. */
  public Optional<UsageTotals> row(String key) {
    for (Row r : rows) {
      if (r.key().equals(key)) {
        return Optional.of(r.totals());
      }
    }
    return Optional.empty();
  }

  /** The id of the model the usage was priced on for comparison, if the query named one. */
  public Optional<String> referenceModel() {
    return query.reference().map(ModelInfo::id);
  }

  /**
   * Builds the report of {@code records} (those outside the query's range or tags are skipped), with days and
   * months in {@code zone}.
   */
  public static UsageReport of(UsageQuery query, ZoneId zone, List<UsageRecord> records, boolean complete) {
    Objects.requireNonNull(query, "query");
    Objects.requireNonNull(zone, "zone");
    Map<String, UsageTotals> groups = new TreeMap<>();
    UsageTotals total = UsageTotals.ZERO;
    ModelInfo reference = query.reference().orElse(null);
    for (UsageRecord r : records) {
      if (!query.matches(r)) {
        continue;
      }
      BigDecimal referenceCost = reference == null ? r.cost() : reference.pricing().costOf(r.usage());
      String key = keyOf(query, zone, r);
      groups.put(key, groups.getOrDefault(key, UsageTotals.ZERO).plus(r, referenceCost));
      total = total.plus(r, referenceCost);
    }
    List<Row> rows = new ArrayList<>(groups.size());
    for (Map.Entry<String, UsageTotals> e : groups.entrySet()) {
      rows.add(new Row(e.getKey(), e.getValue()));
    }
    return new UsageReport(query, zone, rows, total, complete);
  }

  private static String keyOf(UsageQuery query, ZoneId zone, UsageRecord r) {
    Instant at = r.at();
    switch (query.groupBy()) {
      case DAY:
        return LocalDate.ofInstant(at, zone).toString();
      case MONTH:
        return YearMonth.from(at.atZone(zone)).toString();
      case MODEL:
        return r.model();
      case PROVIDER:
        return r.provider();
      case CONVERSATION:
        return r.conversation().orElse("");
      case TAG:
        return r.tags().getOrDefault(query.tagKey(), "");
      default:
        return "";
    }
  }
}

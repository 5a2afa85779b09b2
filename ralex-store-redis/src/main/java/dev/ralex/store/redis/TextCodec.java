package dev.ralex.store.redis;

import dev.ralex.api.Usage;
import dev.ralex.core.UsageRecord;
import dev.ralex.core.UsageStore;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The text form of usage records and aggregates in Redis: a sequence of fields, each written as its length in
 * UTF-16 units, a colon and the text, so no field needs escaping. Money is {@link BigDecimal#toString()}, which
 * reads back with the same unscaled value and scale; instants are epoch second and nano. Stateless and
 * thread-safe.
 *
 * <pre>
 * member    = "1" (format version), seq, callId, second, nano, model, provider, usage, cost, tags, opt conversation
 *           | "2", seq, callId, second, nano, model, provider, usage, cost, tags, opt conversation, kind, saved
 * aggField  = "1", model, provider, tags, opt conversation
 *           | "2", model, provider, tags, opt conversation, kind
 * aggValue  = "1", daySecond, dayNano, count, usage, cost
 *           | "2", daySecond, dayNano, count, usage, cost, saved
 * usage     = input, output, cacheRead, cacheWrite
 * tags      = n, n * (key, value), keys sorted
 * opt       = "0" | "1", value
 * kind      = "BILLED" | "CACHE_HIT"
 * </pre>
 *
 * <p>Billed records and aggregates are written in version 1, exactly as before cache hits were recorded (so a
 * billed aggregate's hash field, its key, is the same text it always was, and compaction merges into it), and
 * version 1 reads as billed with nothing saved; cache hits are written in version 2.
 */
final class TextCodec {
  private static final String VERSION = "1";
  private static final String KINDED = "2";

  private TextCodec() {}

  /** A decoded member: the record and the order it was appended in. */
  record Member(String seq, UsageRecord record) {}

  /** A decoded aggregate key; billed attempts and cache hits are aggregated apart. */
  record AggKey(String model, String provider, Map<String, String> tags, String conversationId,
      UsageRecord.Kind kind) {}

  static String member(String seq, UsageRecord r) {
    StringBuilder sb = new StringBuilder(128);
    boolean kinded = r.kind() != UsageRecord.Kind.BILLED;
    put(sb, kinded ? KINDED : VERSION);
    put(sb, seq);
    put(sb, r.callId());
    put(sb, Long.toString(r.at().getEpochSecond()));
    put(sb, Integer.toString(r.at().getNano()));
    put(sb, r.model());
    put(sb, r.provider());
    usage(sb, r.usage());
    put(sb, r.cost().toString());
    tags(sb, r.tags());
    optional(sb, r.conversationId());
    if (kinded) {
      put(sb, r.kind().name());
      put(sb, r.saved().toString());
    }
    return sb.toString();
  }

  static Member decodeMember(String s) {
    Reader in = new Reader(s);
    boolean kinded = in.version();
    String seq = in.next();
    String callId = in.next();
    Instant at = Instant.ofEpochSecond(in.nextLong(), in.nextLong());
    String model = in.next();
    String provider = in.next();
    Usage usage = in.usage();
    BigDecimal cost = new BigDecimal(in.next());
    Map<String, String> tags = in.tags();
    String conversation = in.optional();
    UsageRecord.Kind kind = kinded ? in.kind() : UsageRecord.Kind.BILLED;
    BigDecimal saved = kinded ? new BigDecimal(in.next()) : BigDecimal.ZERO;
    in.end();
    return new Member(seq, new UsageRecord(callId, at, model, provider, usage, cost, tags, conversation, kind,
        saved));
  }

  static String aggField(AggKey k) {
    StringBuilder sb = new StringBuilder(64);
    boolean kinded = k.kind() != UsageRecord.Kind.BILLED;
    put(sb, kinded ? KINDED : VERSION);
    put(sb, k.model());
    put(sb, k.provider());
    tags(sb, k.tags());
    optional(sb, k.conversationId());
    if (kinded) {
      put(sb, k.kind().name());
    }
    return sb.toString();
  }

  static String aggValue(UsageStore.Aggregate a) {
    StringBuilder sb = new StringBuilder(64);
    boolean kinded = a.kind() != UsageRecord.Kind.BILLED;
    put(sb, kinded ? KINDED : VERSION);
    put(sb, Long.toString(a.dayStart().getEpochSecond()));
    put(sb, Integer.toString(a.dayStart().getNano()));
    put(sb, Long.toString(a.count()));
    usage(sb, a.usage());
    put(sb, a.cost().toString());
    if (kinded) {
      put(sb, a.saved().toString());
    }
    return sb.toString();
  }

  static UsageStore.Aggregate decodeAggregate(String field, String value) {
    Reader k = new Reader(field);
    boolean kindedKey = k.version();
    String model = k.next();
    String provider = k.next();
    Map<String, String> tags = k.tags();
    String conversation = k.optional();
    UsageRecord.Kind kind = kindedKey ? k.kind() : UsageRecord.Kind.BILLED;
    k.end();
    Reader v = new Reader(value);
    boolean kindedValue = v.version();
    Instant day = Instant.ofEpochSecond(v.nextLong(), v.nextLong());
    long count = v.nextLong();
    Usage usage = v.usage();
    BigDecimal cost = new BigDecimal(v.next());
    BigDecimal saved = kindedValue ? new BigDecimal(v.next()) : BigDecimal.ZERO;
    v.end();
    return new UsageStore.Aggregate(day, model, provider, tags, conversation, count, usage, cost, kind, saved);
  }

  private static void put(StringBuilder sb, String s) {
    sb.append(s.length()).append(':').append(s);
  }

  private static void usage(StringBuilder sb, Usage u) {
    put(sb, Long.toString(u.inputTokens()));
    put(sb, Long.toString(u.outputTokens()));
    put(sb, Long.toString(u.cacheReadTokens()));
    put(sb, Long.toString(u.cacheWriteTokens()));
  }

  private static void tags(StringBuilder sb, Map<String, String> tags) {
    put(sb, Integer.toString(tags.size()));
    for (Map.Entry<String, String> e : new TreeMap<>(tags).entrySet()) {
      put(sb, e.getKey());
      put(sb, e.getValue());
    }
  }

  private static void optional(StringBuilder sb, String s) {
    if (s == null) {
      put(sb, "0");
    } else {
      put(sb, "1");
      put(sb, s);
    }
  }

  /** Reads fields in order; every malformation is an {@link IllegalArgumentException}. */
  private static final class Reader {
    private final String s;
    private int pos;

    Reader(String s) {
      this.s = s;
    }

    String next() {
      int colon = s.indexOf(':', pos);
      if (colon < 0 || colon == pos || colon - pos > 10) {
        throw new IllegalArgumentException("malformed field at " + pos);
      }
      int n = Integer.parseInt(s, pos, colon, 10);
      if (n < 0 || colon + 1 + n > s.length()) {
        throw new IllegalArgumentException("field length " + n + " at " + pos + " out of range");
      }
      String v = s.substring(colon + 1, colon + 1 + n);
      pos = colon + 1 + n;
      return v;
    }

    long nextLong() {
      return Long.parseLong(next());
    }

    /** Reads the format version; returns whether it is the one with a kind and a saved amount. */
    boolean version() {
      String v = next();
      if (VERSION.equals(v)) {
        return false;
      }
      if (KINDED.equals(v)) {
        return true;
      }
      throw new IllegalArgumentException("unknown format version " + v);
    }

    UsageRecord.Kind kind() {
      return UsageRecord.Kind.valueOf(next()); // an unknown name is an IllegalArgumentException, as it should be
    }

    Usage usage() {
      return new Usage(nextLong(), nextLong(), nextLong(), nextLong());
    }

    Map<String, String> tags() {
      long n = nextLong();
      if (n < 0 || n > s.length()) {
        throw new IllegalArgumentException("tag count " + n + " out of range");
      }
      Map<String, String> tags = new LinkedHashMap<>();
      for (long i = 0; i < n; i++) {
        String key = next();
        if (tags.put(key, next()) != null) {
          throw new IllegalArgumentException("tag " + key + " repeated");
        }
      }
      return tags;
    }

    String optional() {
      String flag = next();
      if ("0".equals(flag)) {
        return null;
      }
      if (!"1".equals(flag)) {
        throw new IllegalArgumentException("bad presence flag " + flag);
      }
      return next();
    }

    void end() {
      if (pos != s.length()) {
        throw new IllegalArgumentException((s.length() - pos) + " characters after the last field");
      }
    }
  }
}

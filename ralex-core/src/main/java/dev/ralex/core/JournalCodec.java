package dev.ralex.core;

import dev.ralex.api.Usage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The binary format of the usage journal. Stateless and thread-safe.
 *
 * <pre>
 * file    = magic "RLXU" (4 bytes), version (int32 = 1), entry*
 * entry   = length (int32, of payload, 1..MAX_PAYLOAD), crc (int32: CRC32C of the 4 length bytes and the payload),
 *           payload
 * payload = 1 (byte) record | 2 (byte) aggregate | 3 (byte) record kinded | 4 (byte) aggregate kinded
 * record  = str callId, int64 epochSecond, int32 nano, str model, str provider, usage, decimal cost, tags,
 *           opt conversationId
 * aggregate = int64 dayStartSecond, int32 dayStartNano, str model, str provider, tags, opt conversationId,
 *           int64 count, usage, decimal cost
 * kinded  = byte kind (0 billed, 1 cache hit), decimal saved
 * usage   = int64 input, int64 output, int64 cacheRead, int64 cacheWrite
 * decimal = int32 scale, int32 n, n bytes of the unscaled value (two's complement, big-endian): exact
 * tags    = int32 n, n * (str key, str value), keys in order
 * opt     = byte 0 | byte 1, str
 * str     = int32 n, n bytes of UTF-8
 * </pre>
 *
 * All integers are big-endian. The CRC covers the length, so a damaged length is caught like damaged data.
 *
 * <p>Billed attempts are written as types 1 and 2, byte for byte as before cache hits were recorded, and types 1
 * and 2 read as billed with nothing saved; cache hits are written as types 3 and 4. So journals written before
 * read unchanged and the file version stays 1; only a journal holding hits needs a Ralex that knows types 3 and 4
 * (an older one refuses it as corrupt rather than misreading it).
 */
final class JournalCodec {
  static final int MAGIC = 0x524C5855; // "RLXU"
  static final int VERSION = 1;
  static final int FILE_HEADER_SIZE = 8;
  static final int ENTRY_HEADER_SIZE = 8;
  static final int MAX_PAYLOAD = 1 << 24;
  private static final byte RECORD = 1;
  private static final byte AGGREGATE = 2;
  private static final byte RECORD_KINDED = 3;
  private static final byte AGGREGATE_KINDED = 4;

  private JournalCodec() {}

  /** The bytes every journal file starts with. */
  static byte[] fileHeader() {
    return ByteBuffer.allocate(FILE_HEADER_SIZE).putInt(MAGIC).putInt(VERSION).array();
  }

  /** One whole entry (header and payload) holding {@code r}. */
  static byte[] encode(UsageRecord r) {
    Out out = new Out();
    try {
      boolean kinded = r.kind() != UsageRecord.Kind.BILLED;
      out.data.writeByte(kinded ? RECORD_KINDED : RECORD);
      out.string(r.callId());
      out.data.writeLong(r.at().getEpochSecond());
      out.data.writeInt(r.at().getNano());
      out.string(r.model());
      out.string(r.provider());
      out.usage(r.usage());
      out.decimal(r.cost());
      out.tags(r.tags());
      out.optional(r.conversationId());
      if (kinded) {
        out.kind(r.kind(), r.saved());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen: in memory
    }
    return out.entry();
  }

  /** One whole entry (header and payload) holding {@code a}. */
  static byte[] encode(UsageStore.Aggregate a) {
    Out out = new Out();
    try {
      boolean kinded = a.kind() != UsageRecord.Kind.BILLED;
      out.data.writeByte(kinded ? AGGREGATE_KINDED : AGGREGATE);
      out.data.writeLong(a.dayStart().getEpochSecond());
      out.data.writeInt(a.dayStart().getNano());
      out.string(a.model());
      out.string(a.provider());
      out.tags(a.tags());
      out.optional(a.conversationId());
      out.data.writeLong(a.count());
      out.usage(a.usage());
      out.decimal(a.cost());
      if (kinded) {
        out.kind(a.kind(), a.saved());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.entry();
  }

  /** The CRC32C an entry with this payload carries. */
  static int crc(byte[] payload, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(ByteBuffer.allocate(4).putInt(0, length).array());
    crc.update(payload, offset, length);
    return (int) crc.getValue();
  }

  /**
   * Decodes a payload whose CRC matched: a {@link UsageRecord} or an {@link UsageStore.Aggregate}.
   *
   * @throws IllegalArgumentException if it is malformed
   */
  static Object decode(byte[] payload) {
    ByteBuffer in = ByteBuffer.wrap(payload);
    try {
      byte type = in.get();
      Object value;
      if (type == RECORD || type == RECORD_KINDED) {
        String callId = string(in);
        Instant at = Instant.ofEpochSecond(in.getLong(), in.getInt());
        String model = string(in);
        String provider = string(in);
        Usage usage = usage(in);
        BigDecimal cost = decimal(in);
        Map<String, String> tags = tags(in);
        String conversation = optional(in);
        UsageRecord.Kind kind = UsageRecord.Kind.BILLED;
        BigDecimal saved = BigDecimal.ZERO;
        if (type == RECORD_KINDED) {
          kind = kind(in);
          saved = decimal(in);
        }
        value = new UsageRecord(callId, at, model, provider, usage, cost, tags, conversation, kind, saved);
      } else if (type == AGGREGATE || type == AGGREGATE_KINDED) {
        Instant day = Instant.ofEpochSecond(in.getLong(), in.getInt());
        String model = string(in);
        String provider = string(in);
        Map<String, String> tags = tags(in);
        String conversation = optional(in);
        long count = in.getLong();
        Usage usage = usage(in);
        BigDecimal cost = decimal(in);
        UsageRecord.Kind kind = UsageRecord.Kind.BILLED;
        BigDecimal saved = BigDecimal.ZERO;
        if (type == AGGREGATE_KINDED) {
          kind = kind(in);
          saved = decimal(in);
        }
        value = new UsageStore.Aggregate(day, model, provider, tags, conversation, count, usage, cost, kind, saved);
      } else {
        throw new IllegalArgumentException("unknown entry type " + type);
      }
      if (in.hasRemaining()) {
        throw new IllegalArgumentException(in.remaining() + " bytes after the entry's fields");
      }
      return value;
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("entry ends inside a field", e);
    } catch (RuntimeException e) {
      if (e instanceof IllegalArgumentException) {
        throw e;
      }
      throw new IllegalArgumentException(e.toString(), e);
    }
  }

  private static String string(ByteBuffer in) {
    int n = in.getInt();
    if (n < 0 || n > in.remaining()) {
      throw new IllegalArgumentException("string length " + n + " out of range");
    }
    String s = new String(in.array(), in.arrayOffset() + in.position(), n, StandardCharsets.UTF_8);
    in.position(in.position() + n);
    return s;
  }

  private static UsageRecord.Kind kind(ByteBuffer in) {
    byte kind = in.get();
    switch (kind) {
      case 0:
        return UsageRecord.Kind.BILLED;
      case 1:
        return UsageRecord.Kind.CACHE_HIT;
      default:
        throw new IllegalArgumentException("unknown record kind " + kind);
    }
  }

  private static String optional(ByteBuffer in) {
    byte present = in.get();
    if (present == 0) {
      return null;
    }
    if (present != 1) {
      throw new IllegalArgumentException("bad presence flag " + present);
    }
    return string(in);
  }

  private static Usage usage(ByteBuffer in) {
    return new Usage(in.getLong(), in.getLong(), in.getLong(), in.getLong());
  }

  private static BigDecimal decimal(ByteBuffer in) {
    int scale = in.getInt();
    int n = in.getInt();
    if (n < 1 || n > in.remaining()) {
      throw new IllegalArgumentException("decimal length " + n + " out of range");
    }
    byte[] unscaled = new byte[n];
    in.get(unscaled);
    return new BigDecimal(new BigInteger(unscaled), scale);
  }

  private static Map<String, String> tags(ByteBuffer in) {
    int n = in.getInt();
    if (n < 0 || n > in.remaining() / 8) {
      throw new IllegalArgumentException("tag count " + n + " out of range");
    }
    Map<String, String> tags = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      String key = string(in);
      if (tags.put(key, string(in)) != null) {
        throw new IllegalArgumentException("tag " + key + " repeated");
      }
    }
    return tags;
  }

  /** Writes a payload after a reserved entry header. */
  private static final class Out {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    final DataOutputStream data = new DataOutputStream(bytes);

    Out() {
      bytes.write(new byte[ENTRY_HEADER_SIZE], 0, ENTRY_HEADER_SIZE);
    }

    void string(String s) throws IOException {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      data.writeInt(b.length);
      data.write(b);
    }

    void optional(String s) throws IOException {
      if (s == null) {
        data.writeByte(0);
      } else {
        data.writeByte(1);
        string(s);
      }
    }

    void kind(UsageRecord.Kind kind, BigDecimal saved) throws IOException {
      // Numbered here, not by ordinal: the format must not change if the enum is reordered.
      data.writeByte(kind == UsageRecord.Kind.CACHE_HIT ? 1 : 0);
      decimal(saved);
    }

    void usage(Usage u) throws IOException {
      data.writeLong(u.inputTokens());
      data.writeLong(u.outputTokens());
      data.writeLong(u.cacheReadTokens());
      data.writeLong(u.cacheWriteTokens());
    }

    void decimal(BigDecimal d) throws IOException {
      byte[] unscaled = d.unscaledValue().toByteArray();
      data.writeInt(d.scale());
      data.writeInt(unscaled.length);
      data.write(unscaled);
    }

    void tags(Map<String, String> tags) throws IOException {
      data.writeInt(tags.size());
      for (Map.Entry<String, String> t : new TreeMap<>(tags).entrySet()) {
        string(t.getKey());
        string(t.getValue());
      }
    }

    byte[] entry() {
      byte[] entry = bytes.toByteArray();
      int length = entry.length - ENTRY_HEADER_SIZE;
      if (length > MAX_PAYLOAD) {
        throw new UsageStoreException("a usage record of " + length + " bytes is larger than the journal's limit of "
            + MAX_PAYLOAD, null);
      }
      ByteBuffer.wrap(entry).putInt(0, length).putInt(4, crc(entry, ENTRY_HEADER_SIZE, length));
      return entry;
    }
  }
}

package dev.ralex.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Anthropic's prompt caching, simulated for {@link SimulatedLlmServer}, following the documented semantics:
 *
 * <ul>
 *   <li>The prompt is a sequence of blocks in the order tools, system, messages; a block marked with {@code
 *       cache_control} is a breakpoint, at most four per request.
 *   <li>Each breakpoint's prefix (every block up to and including it) is looked up by content: a prefix
 *       byte-identical (canonical JSON of the blocks: sorted keys, {@code cache_control} marks ignored, a string
 *       in place of a content array read as the one text block it stands for) to one written within
 *       its time to live (5 minutes, or an hour for {@code "ttl": "1h"}, refreshed on each hit) by the same key
 *       and model is read. The lookup also checks the earlier block boundaries up to 20 blocks before the
 *       breakpoint, and the longest hit wins.
 *   <li>What lies between the hit and the last breakpoint is written ({@code cache_creation_input_tokens}),
 *       everything after the last breakpoint is plain {@code input_tokens}; each breakpoint's prefix is stored.
 *   <li>A prefix shorter than the model's minimum cacheable length (1,024 tokens, or 2,048 / 4,096 for the models
 *       Anthropic lists) is neither read nor written.
 *   <li>A change of {@code tool_choice} keeps the tools' and system's entries but invalidates the messages'.
 * </ul>
 *
 * Thread-safe; entries are bounded in number and expire on the injected clock.
 */
final class SimulatedPromptCache {
  /** How far before a breakpoint the lookup checks for an earlier hit, in blocks (Anthropic documents 20). */
  static final int LOOKBACK_BLOCKS = 20;
  /** Anthropic's limit of breakpoints per request. */
  static final int MAX_BREAKPOINTS = 4;
  private static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
  private static final Duration LONG_TTL = Duration.ofHours(1);
  private static final int MAX_ENTRIES = 200_000;
  private static final JsonMapper CANONICAL = JsonMapper.builder().build();

  private volatile Clock clock;
  // Prefix digest -> expiry; in insertion order, so the oldest go first when full.
  private final Map<String, Instant> entries = new LinkedHashMap<>();

  SimulatedPromptCache(Clock clock) {
    this.clock = clock;
  }

  void clock(Clock clock) {
    this.clock = clock;
  }

  /**
   * One block of a prompt: where it is ({@code section}: tools, system, or a message's index and role), the
   * block, its tokens, and its breakpoint's time to live if it is marked.
   */
  record Block(String section, JsonNode node, long tokens, Duration ttl) {
    boolean breakpoint() {
      return ttl != null;
    }
  }

  /** The usage split of one request. */
  record Split(long input, long cacheRead, long cacheWrite) {}

  /** The number of cache_control marks in {@code blocks}. */
  static int breakpoints(List<Block> blocks) {
    int n = 0;
    for (Block b : blocks) {
      n += b.breakpoint() ? 1 : 0;
    }
    return n;
  }

  /**
   * Looks the request's breakpoints up, stores them, and splits its input tokens.
   *
   * @param scope what caches are isolated by (the API key and model)
   * @param minimum the model's minimum cacheable prefix, in tokens
   */
  Split apply(String scope, List<Block> blocks, long minimum) {
    int n = blocks.size();
    long[] cumulative = new long[n];
    String[] keys = new String[n];
    MessageDigest digest = sha256();
    digest.update(scope.getBytes(StandardCharsets.UTF_8));
    long sum = 0;
    int lastMarked = -1;
    for (int i = 0; i < n; i++) {
      Block b = blocks.get(i);
      sum += b.tokens();
      cumulative[i] = sum;
      lastMarked = b.breakpoint() ? i : lastMarked;
    }
    if (lastMarked < 0) {
      return new Split(sum, 0, 0); // Nothing to look up: no need to hash.
    }
    for (int i = 0; i <= lastMarked; i++) {
      Block b = blocks.get(i);
      digest.update(canonical(b.section(), b.node()));
      digest.update((byte) 0);
      keys[i] = HexFormat.of().formatHex(cloneOf(digest).digest());
    }
    Instant now = clock.instant();
    int read = -1;
    int last = -1;
    synchronized (entries) {
      for (int i = 0; i < n; i++) {
        if (!blocks.get(i).breakpoint() || cumulative[i] < minimum) {
          continue;
        }
        last = i;
        for (int k = i; k >= Math.max(0, i - LOOKBACK_BLOCKS); k--) {
          Instant expiry = entries.get(keys[k]);
          if (expiry != null && expiry.isAfter(now) && cumulative[k] >= minimum) {
            read = Math.max(read, k);
            break;
          }
        }
      }
      if (last < 0) {
        return new Split(sum, 0, 0);
      }
      if (read >= 0) {
        // A hit refreshes the entry's time to live.
        Instant expiry = entries.remove(keys[read]);
        entries.put(keys[read], max(expiry, now.plus(DEFAULT_TTL)));
      }
      for (int i = 0; i <= last; i++) {
        Block b = blocks.get(i);
        if (b.breakpoint() && cumulative[i] >= minimum) {
          Instant expiry = entries.remove(keys[i]);
          entries.put(keys[i], max(expiry, now.plus(b.ttl())));
        }
      }
      evict(now);
    }
    long cacheRead = read >= 0 ? cumulative[read] : 0;
    long cacheWrite = cumulative[last] - cacheRead;
    return new Split(sum - cumulative[last], cacheRead, cacheWrite);
  }

  private void evict(Instant now) {
    if (entries.size() <= MAX_ENTRIES) {
      return;
    }
    entries.values().removeIf(expiry -> !expiry.isAfter(now));
    Iterator<String> oldest = entries.keySet().iterator();
    while (entries.size() > MAX_ENTRIES && oldest.hasNext()) {
      oldest.next();
      oldest.remove();
    }
  }

  private static Instant max(Instant a, Instant b) {
    return a == null || b.isAfter(a) ? b : a;
  }

  /** The time to live a block's {@code cache_control} asks for, or null if it has none. */
  static Duration ttlOf(JsonNode block) {
    JsonNode control = block.get("cache_control");
    if (control == null || control.isNull() || !control.isObject()) {
      return null;
    }
    return "1h".equals(control.path("ttl").asText()) ? LONG_TTL : DEFAULT_TTL;
  }

  /**
   * The canonical bytes of a block in its place: {@code section} (and message index and role) plus the block's
   * JSON with sorted keys and without its {@code cache_control} marks (also inside a tool result's content).
   */
  static byte[] canonical(String section, JsonNode block) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(256);
    try (com.fasterxml.jackson.core.JsonGenerator g = CANONICAL.getFactory().createGenerator(out)) {
      g.writeStartArray();
      g.writeString(section);
      write(g, block, true);
      g.writeEndArray();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("writing to memory does not fail", e);
    }
    return out.toByteArray();
  }

  /** A text block: what a string in place of a content array (or a system prompt) stands for. */
  static JsonNode textBlock(String text) {
    return CANONICAL.createObjectNode().put("type", "text").put("text", text);
  }

  /** Writes {@code node} with its object keys sorted, leaving out {@code cache_control} at the block level. */
  private static void write(com.fasterxml.jackson.core.JsonGenerator g, JsonNode node, boolean block)
      throws java.io.IOException {
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      names.sort(null);
      g.writeStartObject();
      boolean toolResult = block && "tool_result".equals(node.path("type").asText());
      for (String name : names) {
        if (block && name.equals("cache_control")) {
          continue;
        }
        g.writeFieldName(name);
        JsonNode value = node.get(name);
        if (toolResult && name.equals("content") && value.isTextual()) {
          // The short form of one text block renders as the long one.
          g.writeStartArray();
          write(g, textBlock(value.asText()), true);
          g.writeEndArray();
        } else if (toolResult && name.equals("content") && value.isArray()) {
          // A tool result's inner blocks may carry their own marks.
          g.writeStartArray();
          for (JsonNode inner : value) {
            write(g, inner, true);
          }
          g.writeEndArray();
        } else {
          write(g, value, false);
        }
      }
      g.writeEndObject();
    } else if (node.isArray()) {
      g.writeStartArray();
      for (JsonNode element : node) {
        write(g, element, false);
      }
      g.writeEndArray();
    } else {
      CANONICAL.writeTree(g, node);
    }
  }

  /**
   * The minimum cacheable prefix of a model, as Anthropic's prompt-caching page lists it: 4,096 tokens for
   * Claude Haiku 4.5 and Opus 4.5 and later Opus 4 releases, 2,048 for Sonnet 4.6 and the Haiku 3 models, 1,024
   * for the others.
   */
  static long minimumCacheable(String model) {
    String m = model.toLowerCase(Locale.ROOT);
    if (m.contains("haiku-4-5") || m.contains("opus-4-5") || m.contains("opus-4-6") || m.contains("opus-4-7")) {
      return 4_096;
    }
    if (m.contains("sonnet-4-6") || m.contains("haiku-3")) {
      return 2_048;
    }
    return 1_024;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static MessageDigest cloneOf(MessageDigest d) {
    try {
      return (MessageDigest) d.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK's SHA-256 digests are cloneable", e);
    }
  }
}

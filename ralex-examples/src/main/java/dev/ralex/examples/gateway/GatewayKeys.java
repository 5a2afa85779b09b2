package dev.ralex.examples.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The gateway's callers: who holds which key. Keys are kept only as SHA-256 digests, and a presented key is
 * compared with every one of them in constant time ({@link MessageDigest#isEqual} on digests of equal length,
 * without stopping at a match), so neither the response time nor a heap dump gives a key away. Immutable.
 */
final class GatewayKeys {
  /** A caller name: what the budget tag and the usage endpoint show. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
  /** The shortest key accepted: a guessable key is no key. */
  static final int MIN_KEY_LENGTH = 16;

  private final List<Entry> entries;

  private GatewayKeys(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /**
   * Keys from a map of key to caller name.
   *
   * @throws IllegalArgumentException if a key is shorter than {@value #MIN_KEY_LENGTH} characters or has
   *     whitespace, or a caller name is not 1 to 64 letters, digits, {@code . _ @ -}; the message never
   *     contains the key
   */
  static GatewayKeys of(Map<String, String> keyToCaller) {
    Objects.requireNonNull(keyToCaller, "keyToCaller");
    List<Entry> entries = new ArrayList<>();
    int i = 0;
    for (Map.Entry<String, String> e : keyToCaller.entrySet()) {
      i++;
      String key = Objects.requireNonNull(e.getKey(), "key");
      String caller = Objects.requireNonNull(e.getValue(), "caller");
      if (!NAME.matcher(caller).matches()) {
        throw new IllegalArgumentException("caller name must be 1 to 64 letters, digits, '.', '_', '@' or '-' "
            + "but was '" + caller + "'");
      }
      if (key.length() < MIN_KEY_LENGTH || key.chars().anyMatch(Character::isWhitespace)) {
        // Never the key itself in a message: it may end up in a log.
        throw new IllegalArgumentException("the key of caller '" + caller + "' (entry " + i + ") must be at least "
            + MIN_KEY_LENGTH + " characters without whitespace");
      }
      entries.add(new Entry(sha256(key), caller));
    }
    return new GatewayKeys(entries);
  }

  /**
   * Parses {@code caller=key} entries separated by commas or line breaks, as in the variable {@code
   * RALEX_GATEWAY_KEYS} or the file {@code RALEX_GATEWAY_KEYS_FILE} names; blank lines and lines starting with
   * {@code #} are skipped.
   *
   * @return key to caller name, in the order given
   * @throws IllegalArgumentException for an entry without {@code =}; the message names the entry's position only
   */
  static Map<String, String> parse(String text) {
    Objects.requireNonNull(text, "text");
    Map<String, String> keyToCaller = new LinkedHashMap<>();
    int n = 0;
    for (String raw : text.split("[,\\r\\n]+")) {
      String entry = raw.strip();
      if (entry.isEmpty() || entry.startsWith("#")) {
        continue;
      }
      n++;
      int eq = entry.indexOf('=');
      if (eq <= 0 || eq == entry.length() - 1) {
        throw new IllegalArgumentException("gateway key entry " + n + " is not 'caller=key'");
      }
      keyToCaller.put(entry.substring(eq + 1).strip(), entry.substring(0, eq).strip());
    }
    return keyToCaller;
  }

  /** A new random key: {@code rgw-} and 32 random bytes in URL-safe base64. */
  static String generate() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return "rgw-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The caller names, in the order given (a name may hold several keys). */
  List<String> callers() {
    return entries.stream().map(Entry::caller).distinct().toList();
  }

  boolean isEmpty() {
    return entries.isEmpty();
  }

  /**
   * The caller whose key {@code presented} is, if any. Compares against every key whatever matches, in time that
   * does not depend on the presented key's length or content.
   */
  Optional<String> caller(String presented) {
    if (presented == null) {
      return Optional.empty();
    }
    byte[] digest = sha256(presented);
    String found = null;
    for (Entry e : entries) {
      boolean match = MessageDigest.isEqual(digest, e.digest);
      if (match && found == null) {
        found = e.caller;
      }
    }
    return Optional.ofNullable(found);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return "GatewayKeys" + callers();
  }

  private record Entry(byte[] digest, String caller) {}
}

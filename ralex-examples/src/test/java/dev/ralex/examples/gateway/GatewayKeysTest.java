package dev.ralex.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayKeysTest {
  @Test
  void findsTheCallerOfAKeyAndNobodyForAnythingElse() {
    GatewayKeys keys = GatewayKeys.of(Map.of("alice-key-0123456789", "alice", "bob-key-01234567890", "bob"));

    assertThat(keys.caller("alice-key-0123456789")).contains("alice");
    assertThat(keys.caller("bob-key-01234567890")).contains("bob");
    assertThat(keys.caller("alice-key-012345678")).isEmpty();
    assertThat(keys.caller("")).isEmpty();
    assertThat(keys.caller(null)).isEmpty();
    assertThat(keys.toString()).doesNotContain("key-0123");
  }

  @Test
  void parsesCallerEqualsKeyEntries() {
    Map<String, String> parsed = GatewayKeys.parse("# team keys\nalice=alice-key-0123456789, bob = bob-key-0123456789\n\n");

    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("alice-key-0123456789", "alice");
    expected.put("bob-key-0123456789", "bob");
    assertThat(parsed).containsExactlyEntriesOf(expected);
    assertThatThrownBy(() -> GatewayKeys.parse("alice-key-without-a-name"))
        .hasMessage("gateway key entry 1 is not 'caller=key'");
  }

  @Test
  void refusesShortKeysAndOddNamesWithoutQuotingTheKey() {
    assertThatThrownBy(() -> GatewayKeys.of(Map.of("short-secret", "alice")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("alice")
        .hasMessageNotContaining("short-secret");
    assertThatThrownBy(() -> GatewayKeys.of(Map.of("long-enough-key-0123", "no spaces")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("long-enough-key");
  }

  @Test
  void generatedKeysAreLongAndDistinct() {
    String a = GatewayKeys.generate();
    String b = GatewayKeys.generate();

    assertThat(a).startsWith("rgw-").hasSizeGreaterThan(40).isNotEqualTo(b);
    assertThat(GatewayKeys.of(Map.of(a, "local")).caller(a)).contains("local");
  }
}

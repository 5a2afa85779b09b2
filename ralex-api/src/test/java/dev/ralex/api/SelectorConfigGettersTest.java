package dev.ralex.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link SelectorConfig}: typed getters, paths, and messages that name the key but never the value. */
class SelectorConfigGettersTest {
  private final Path base = Path.of("/etc/ralex").toAbsolutePath();

  private SelectorConfig config(Map<String, String> settings) {
    return SelectorConfig.of(settings, base, "selector");
  }

  @Test
  void typedGettersReadTheirValuesAndEmptyForAbsentOrBlank() {
    SelectorConfig c = config(Map.of("alpha", " 1.5 ", "n", "32", "wait", "10m", "money", "0.002", "blank", " ",
        "file", "state/s.json"));
    assertThat(c.number("alpha")).contains(1.5);
    assertThat(c.integer("n")).contains(32);
    assertThat(c.duration("wait")).contains(Duration.ofMinutes(10));
    assertThat(c.decimal("money")).contains(new BigDecimal("0.002"));
    assertThat(c.path("file")).contains(base.resolve("state/s.json"));
    assertThat(c.get("blank")).isEmpty();
    assertThat(c.number("absent")).isEmpty();
    assertThat(config(Map.of("file", "/var/s.json")).path("file")).contains(Path.of("/var/s.json").toAbsolutePath());
  }

  @Test
  void aValueOfTheWrongFormIsNamedByItsKeyPathNotShown() {
    SelectorConfig c = config(Map.of("alpha", "sk-secret", "n", "1.5", "wait", "sk-secret"));
    assertThatThrownBy(() -> c.number("alpha")).isInstanceOf(ConfigurationException.class)
        .hasMessage("'selector.alpha' must be a number such as 0.5");
    assertThatThrownBy(() -> c.integer("n")).hasMessage("'selector.n' must be a whole number");
    assertThatThrownBy(() -> c.duration("wait")).hasMessageContaining("'selector.wait' must be a duration")
        .hasMessageNotContaining("sk-secret");
    assertThatThrownBy(() -> config(Map.of("x", "1e999")).number("x")).hasMessageContaining("'selector.x'");
  }

  @Test
  void unknownKeysAreRefusedListingTheKnownOnes() {
    SelectorConfig c = config(Map.of("alpah", "1"));
    assertThatThrownBy(() -> c.requireOnly("lambda", "alpha")).isInstanceOf(ConfigurationException.class)
        .hasMessage("unknown key 'selector.alpah'; the keys allowed in 'selector' are alpha, lambda (and type)");
    config(Map.of("alpha", "1")).requireOnly("alpha");
  }

  @Test
  void settingsFromCodeNameTheirKeysAsTheyAre() {
    SelectorConfig c = SelectorConfig.of(Map.of("alpha", "x"));
    assertThat(c.keyPath("alpha")).isEqualTo("alpha");
    assertThatThrownBy(() -> c.number("alpha")).hasMessage("'alpha' must be a number such as 0.5");
    assertThat(c.baseDirectory()).isEqualTo(Path.of("").toAbsolutePath());
  }

  @Test
  void toStringHidesSecretLookingValues() {
    assertThat(config(Map.of("apiKey", "sk-live", "alpha", "1")).toString())
        .contains("alpha=1", "apiKey=***").doesNotContain("sk-live");
  }

  @Test
  void nullsAreRefused() {
    assertThatThrownBy(() -> SelectorConfig.of(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> SelectorConfig.of(Map.of(), null, "selector")).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> config(Map.of()).get(null)).isInstanceOf(NullPointerException.class);
  }
}

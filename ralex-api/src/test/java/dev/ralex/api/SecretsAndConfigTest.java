package dev.ralex.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.strings;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.quicktheories.generators.Generate;

class SecretsAndConfigTest {

  @Nested
  class ApiKeys {
    @Test
    void toStringNeverShowsTheKey() {
      ApiKey key = ApiKey.of("sk-ant-api03-SECRETVALUE");
      assertThat(key.toString()).isEqualTo("ApiKey[redacted]").doesNotContain("SECRETVALUE");
      assertThat(String.valueOf(List.of(key))).doesNotContain("SECRETVALUE");
    }

    @Test
    void revealGivesTheKeyAndEqualityIsByValue() {
      ApiKey key = ApiKey.of("sk-123");
      assertThat(key.reveal()).isEqualTo("sk-123");
      assertThat(key).isEqualTo(ApiKey.of("sk-123")).hasSameHashCodeAs(ApiKey.of("sk-123"));
      assertThat(key).isNotEqualTo(ApiKey.of("sk-124"));
    }

    static Stream<Arguments> keysWithWhitespace() {
      return Stream.of(
          Arguments.of("sk-ant-SECRET123\n", 16),
          Arguments.of("sk-ant-SECRET123\r\n", 16),
          Arguments.of(" sk-ant-SECRET123", 0),
          Arguments.of("sk-ant SECRET123", 6),
          Arguments.of("sk-ant-SECRET123\t", 16),
          Arguments.of("sk-ant-\u0000SECRET123", 7),
          Arguments.of("sk-ant-SECRET123\u007f", 16));
    }

    @ParameterizedTest
    @MethodSource("keysWithWhitespace")
    void whitespaceOrControlCharactersAreRejectedWithoutShowingTheKey(String key, int index) {
      Throwable t = catchThrowable(() -> ApiKey.of(key));
      assertThat(t).isInstanceOf(IllegalArgumentException.class);
      assertThat(t.getMessage()).doesNotContain("SECRET123").doesNotContain("sk-ant")
          .contains("index " + index);
    }

    @Test
    void emptyOrNullIsRejected() {
      assertThatThrownBy(() -> ApiKey.of("")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("api key");
      assertThatThrownBy(() -> ApiKey.of(null)).isInstanceOf(NullPointerException.class)
          .hasMessageContaining("api key");
    }

    @Test
    void anyAsciiWhitespaceAnywhereIsRejectedAndTheMessageNeverHoldsTheKey() {
      qt().forAll(
              strings().betweenCodePoints('!', '~').ofLengthBetween(12, 40),
              integers().between(0, 1000),
              Generate.pick(List.of(' ', '\t', '\n', '\r', '\u000b', '\f', '\u0000', '\u001b', '\u007f')))
          .checkAssert((secret, where, bad) -> {
            String key = "sk-" + secret;
            int at = where % (key.length() + 1);
            String corrupted = key.substring(0, at) + bad + key.substring(at);
            Throwable t = catchThrowable(() -> ApiKey.of(corrupted));
            assertThat(t).isInstanceOf(IllegalArgumentException.class);
            assertThat(t.getMessage()).contains("index " + at);
            for (int i = 0; i + 8 <= key.length(); i++) {
              assertThat(t.getMessage()).doesNotContain(key.substring(i, i + 8));
            }
          });
    }
  }

  @Nested
  class ProviderConfigs {
    private final Map<String, String> env = Map.of(
        "ANTHROPIC_API_KEY", "sk-from-env",
        "BLANK_VAR", "  ");

    @Test
    void toStringHidesSecretLookingValuesAndShowsTheRest() {
      Map<String, String> settings = new LinkedHashMap<>();
      settings.put("apiKey", "sk-live-111");
      settings.put("ACCESS_TOKEN", "tok-222");
      settings.put("client_Secret", "sec-333");
      settings.put("dbPassword", "pw-444");
      settings.put("Authorization", "Bearer-555");
      settings.put("x-auth-header", "hdr-666");
      settings.put("baseUrl", "https://api.example.com");
      settings.put("timeout", "30s");
      settings.put("model", "claude-haiku-4-5");
      String s = ProviderConfig.of(settings, env::get).toString();

      assertThat(s).doesNotContain("sk-live-111", "tok-222", "sec-333", "pw-444", "Bearer-555", "hdr-666");
      assertThat(s).contains("apiKey=***", "ACCESS_TOKEN=***", "client_Secret=***", "dbPassword=***",
          "Authorization=***", "x-auth-header=***");
      assertThat(s).contains("baseUrl=https://api.example.com", "timeout=30s", "model=claude-haiku-4-5");
      assertThat(s).doesNotContain("sk-from-env");
    }

    @Test
    void settingsComeFirstAndTheEnvironmentFillsGaps() {
      ProviderConfig c = ProviderConfig.of(Map.of("apiKey", "sk-setting", "blank", " "), env::get);

      assertThat(c.get("apiKey", "ANTHROPIC_API_KEY")).contains("sk-setting");
      assertThat(c.get("missing", "ANTHROPIC_API_KEY")).contains("sk-from-env");
      assertThat(c.get("blank", "ANTHROPIC_API_KEY")).contains("sk-from-env");
      assertThat(c.get("missing", "UNSET_VAR")).isEmpty();
      assertThat(c.get("missing", "BLANK_VAR")).isEmpty();
      assertThat(c.get("blank")).isEmpty();
      assertThat(c.get("missing")).isEmpty();
      assertThat(c.settings()).doesNotContainKey("ANTHROPIC_API_KEY");
    }

    @Test
    void apiKeyReadsTheSettingOrTheEnvironment() {
      ProviderConfig c = ProviderConfig.of(Map.of(), env::get);
      assertThat(c.apiKey("apiKey", "ANTHROPIC_API_KEY")).hasValueSatisfying(
          k -> assertThat(k.reveal()).isEqualTo("sk-from-env"));
      assertThat(c.apiKey("apiKey", "UNSET_VAR")).isEmpty();
      assertThat(ProviderConfig.of(Map.of("apiKey", "sk-a"), env::get).apiKey("apiKey", "ANTHROPIC_API_KEY"))
          .hasValueSatisfying(k -> assertThat(k.reveal()).isEqualTo("sk-a"));
    }

    @Test
    void settingsAreCopiedAndUnmodifiable() {
      Map<String, String> settings = new HashMap<>(Map.of("a", "1"));
      ProviderConfig c = ProviderConfig.of(settings, env::get);
      settings.put("b", "2");
      assertThat(c.settings()).containsExactly(Map.entry("a", "1"));
      assertThatThrownBy(() -> c.settings().put("c", "3")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void invalidSettingsAreRejected() {
      assertThatThrownBy(() -> ProviderConfig.of(Map.of(" ", "v"), env::get))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("settings");
      Map<String, String> nullValue = new HashMap<>();
      nullValue.put("timeout", null);
      assertThatThrownBy(() -> ProviderConfig.of(nullValue, env::get))
          .isInstanceOf(NullPointerException.class).hasMessageContaining("timeout");
      assertThatThrownBy(() -> ProviderConfig.of(Map.of(), null))
          .isInstanceOf(NullPointerException.class).hasMessageContaining("environment");
    }

    static Stream<Arguments> durations() {
      return Stream.of(
          Arguments.of("30s", Duration.ofSeconds(30)),
          Arguments.of("500ms", Duration.ofMillis(500)),
          Arguments.of("2m", Duration.ofMinutes(2)),
          Arguments.of("1h", Duration.ofHours(1)),
          Arguments.of("PT5S", Duration.ofSeconds(5)),
          Arguments.of("PT1M30S", Duration.ofSeconds(90)),
          Arguments.of(" 10s ", Duration.ofSeconds(10)),
          Arguments.of("0s", Duration.ZERO),
          Arguments.of("250MS", Duration.ofMillis(250)));
    }

    @ParameterizedTest
    @MethodSource("durations")
    void durationAcceptsIsoAndUnitSuffixes(String value, Duration expected) {
      ProviderConfig c = ProviderConfig.of(Map.of("timeout", value), env::get);
      assertThat(c.duration("timeout")).contains(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "5d", "1.5s", "s", "ms", "PT", "30 seconds", "30", "P5S",
        "9223372036854775807m", "9999999999999999h"})
    void aBadDurationIsAConfigurationErrorNamingTheKey(String value) {
      ProviderConfig c = ProviderConfig.of(Map.of("readTimeout", value), env::get);
      assertThatThrownBy(() -> c.duration("readTimeout"))
          .isInstanceOf(ConfigurationException.class)
          .hasMessageContaining("'readTimeout'")
          .satisfies(e -> assertThat(((LlmException) e).kind()).isEqualTo(ErrorKind.CONFIGURATION));
    }

    @Test
    void parseDurationNeverEchoesTheTextItRejects() {
      for (String bad : List.of("sk-ant-api03-SECRETVALUE", "Bearer SECRETVALUE", "")) {
        assertThatThrownBy(() -> ProviderConfig.parseDuration(bad))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage(ProviderConfig.DURATION_FORMS)
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain("SECRETVALUE"));
      }
      assertThat(ProviderConfig.parseDuration("45s")).isEqualTo(Duration.ofSeconds(45));
      assertThatThrownBy(() -> ProviderConfig.parseDuration(null)).isInstanceOf(NullPointerException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"apiKey", "X-API-KEY", "accessToken", "client_secret", "PASSWORD", "Authorization",
        "oauthUrl", "keyFile"})
    void namesContainingKeyTokenSecretPasswordOrAuthAreSecret(String name) {
      assertThat(ProviderConfig.isSecretKey(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"baseUrl", "timeout", "model", "region", "organization", "maxRetries"})
    void otherNamesAreNotSecret(String name) {
      assertThat(ProviderConfig.isSecretKey(name)).isFalse();
    }

    @Test
    void anAbsentDurationOrIntegerIsEmpty() {
      ProviderConfig c = ProviderConfig.of(Map.of("blank", " "), env::get);
      assertThat(c.duration("timeout")).isEmpty();
      assertThat(c.duration("blank")).isEmpty();
      assertThat(c.integer("maxRetries")).isEmpty();
    }

    @Test
    void integerParsesTrimmedDecimalIntegers() {
      ProviderConfig c = ProviderConfig.of(Map.of("a", "42", "b", " 7 ", "c", "-3"), env::get);
      assertThat(c.integer("a")).contains(42);
      assertThat(c.integer("b")).contains(7);
      assertThat(c.integer("c")).contains(-3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"4.2", "ten", "99999999999", "0x10", "1_000"})
    void aBadIntegerIsAConfigurationErrorNamingTheKey(String value) {
      ProviderConfig c = ProviderConfig.of(Map.of("maxRetries", value), env::get);
      assertThatThrownBy(() -> c.integer("maxRetries"))
          .isInstanceOf(ConfigurationException.class)
          .hasMessageContaining("'maxRetries'");
    }
  }
}

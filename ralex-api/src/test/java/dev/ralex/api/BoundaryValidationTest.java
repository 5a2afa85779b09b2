package dev.ralex.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Inputs that once slipped through a boundary check. */
class BoundaryValidationTest {
  @ParameterizedTest
  @ValueSource(strings = {"\uFF10\uFF10\uFF14\uFF11", "\u0660\u0660\u0664\u0661", "00\uFF21\uFF26"})
  void jsonUnicodeEscapesTakeAsciiHexDigitsOnly(String digits) {
    assertThatThrownBy(() -> JsonSyntax.requireObject("{\"a\":\"\\u" + digits + "\"}", "input"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad \\u escape");
    JsonSyntax.requireObject("{\"a\":\"\\u00aF\"}", "input");
  }

  @ParameterizedTest
  @ValueSource(strings = {"sk-abc\u00a0def", "sk-abc\u0085def", "sk-abc\u2028def", "sk-abc\u200bdef", "sk-\u00e9"})
  void apiKeysAreVisibleAsciiOnlyAndTheMessageHidesThem(String key) {
    assertThatThrownBy(() -> ApiKey.of(key))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("abc")
        .hasMessageContaining("index");
  }

  @Test
  void usageTotalsThatWouldOverflowThrow() {
    assertThatThrownBy(() -> new Usage(Long.MAX_VALUE, 1, 1, 0).totalInputTokens())
        .isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> new Usage(Long.MAX_VALUE - 1, 5, 1, 0).totalTokens())
        .isInstanceOf(ArithmeticException.class);
  }

  @Test
  void modelsTriedEndsWithTheAnsweringModel() {
    assertThatThrownBy(() -> ChatResponse.builder().model("a/m").provider("a").modelsTried(List.of("x/y")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a/m");
    ChatResponse one = ChatResponse.builder().model("a/m").provider("a").build();
    assertThat(one.toBuilder().model("b/n").build().modelsTried()).containsExactly("b/n");
    ChatResponse two = ChatResponse.builder().model("b/n").provider("b").modelsTried(List.of("a/m", "b/n")).build();
    assertThat(two.toBuilder().build().modelsTried()).containsExactly("a/m", "b/n");
  }

  @Test
  void malformedSettingsNeverEchoTheirValue() {
    ProviderConfig config = ProviderConfig.of(Map.of("authTimeout", "sk-live-123", "retries", "sk-live-456"),
        k -> null);
    assertThatThrownBy(() -> config.duration("authTimeout"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("authTimeout")
        .hasMessageNotContaining("sk-live-123");
    assertThatThrownBy(() -> config.integer("retries"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("retries")
        .hasMessageNotContaining("sk-live-456");
  }

  @Test
  void pricesCompareByValue() {
    LocalDate day = LocalDate.of(2026, 11, 25);
    Pricing a = new Pricing(new BigDecimal("3"), new BigDecimal("15.0"), new BigDecimal("0.30"),
        new BigDecimal("3.75"), "s", day);
    Pricing b = new Pricing(new BigDecimal("3.00"), new BigDecimal("15"), new BigDecimal("0.3"),
        new BigDecimal("3.750"), "s", day);
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
  }

  @Test
  void defaultStreamEndsWithOnErrorWhenChatThrowsAnyRuntimeException() {
    LlmProvider broken = new LlmProvider() {
      @Override
      public String id() {
        return "p";
      }

      @Override
      public ChatResponse chat(ModelInfo model, ChatRequest request) {
        throw new IllegalStateException("bug in provider");
      }
    };
    AtomicReference<LlmException> error = new AtomicReference<>();
    StreamHandle handle = broken.stream(Fixtures.model("p/m"), ChatRequest.of("x"), new StreamHandler() {
      @Override
      public void onComplete(ChatResponse response) {
        throw new AssertionError("must not complete");
      }

      @Override
      public void onError(LlmException e) {
        error.set(e);
      }
    });
    assertThat(error.get()).isInstanceOf(ProviderException.class).hasMessageContaining("bug in provider");
    assertThat(handle.completion()).isCompletedExceptionally();
  }

  @Test
  void aMalformedKeyFromTheEnvironmentIsAConfigurationErrorThatHidesIt() {
    ProviderConfig config = ProviderConfig.of(Map.of(), Map.of("X_API_KEY", "sk-live-789\n")::get);
    assertThatThrownBy(() -> config.apiKey("apiKey", "X_API_KEY"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("X_API_KEY")
        .hasMessageNotContaining("sk-live-789");
  }
}

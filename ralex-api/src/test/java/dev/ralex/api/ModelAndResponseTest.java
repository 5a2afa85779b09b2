package dev.ralex.api;

import static dev.ralex.api.Fixtures.pricing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ModelAndResponseTest {

  @Nested
  class StopReasons {
    static Stream<Arguments> known() {
      return Stream.of(
          Arguments.of("end_turn", StopReason.END_TURN),
          Arguments.of("max_tokens", StopReason.MAX_TOKENS),
          Arguments.of("stop_sequence", StopReason.STOP_SEQUENCE),
          Arguments.of("tool_use", StopReason.TOOL_USE),
          Arguments.of("pause_turn", StopReason.PAUSE_TURN),
          Arguments.of("refusal", StopReason.REFUSAL),
          Arguments.of("model_context_window_exceeded", StopReason.CONTEXT_WINDOW_EXCEEDED));
    }

    @ParameterizedTest
    @MethodSource("known")
    void ofAKnownNameGivesTheConstant(String raw, StopReason constant) {
      StopReason r = StopReason.of(raw);
      assertThat(r).isSameAs(constant);
      assertThat(r.isKnown()).isTrue();
      assertThat(r.raw()).isEqualTo(raw);
      assertThat(r.toString()).isEqualTo(raw);
    }

    @Test
    void anUnknownNameIsKeptRaw() {
      StopReason r = StopReason.of("server_tool_budget_exhausted");
      assertThat(r.isKnown()).isFalse();
      assertThat(r.raw()).isEqualTo("server_tool_budget_exhausted");
      assertThat(r.toString()).isEqualTo("server_tool_budget_exhausted");
    }

    @Test
    void equalityIsByRawString() {
      StopReason a = StopReason.of("new_reason");
      StopReason b = StopReason.of("new_reason");
      assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
      assertThat(a).isNotEqualTo(StopReason.of("other_reason"));
      assertThat(a).isNotEqualTo(StopReason.END_TURN);
      assertThat(StopReason.END_TURN).isNotEqualTo(StopReason.MAX_TOKENS);
      assertThat(StopReason.END_TURN).isNotEqualTo("end_turn");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\n"})
    void blankIsRejected(String raw) {
      assertThatThrownBy(() -> StopReason.of(raw)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("blank");
    }

    @Test
    void nullIsRejected() {
      assertThatThrownBy(() -> StopReason.of(null)).isInstanceOf(NullPointerException.class);
    }
  }

  @Nested
  class ModelInfos {
    private ModelInfo.Builder valid(String id) {
      return ModelInfo.builder(id).contextWindow(200_000).maxOutputTokens(64_000)
          .pricing(pricing("1", "5", "0.1", "1.25"));
    }

    @Test
    void idSplitsIntoProviderAndProviderModelId() {
      ModelInfo m = valid("anthropic/claude-haiku-4-5").build();
      assertThat(m.id()).isEqualTo("anthropic/claude-haiku-4-5");
      assertThat(m.provider()).isEqualTo("anthropic");
      assertThat(m.providerModelId()).isEqualTo("claude-haiku-4-5");
      assertThat(m.toString()).isEqualTo("anthropic/claude-haiku-4-5");
    }

    @Test
    void onlyTheFirstSlashSeparatesTheProvider() {
      ModelInfo m = valid("openrouter/meta-llama/llama-3.1-8b-instruct").build();
      assertThat(m.provider()).isEqualTo("openrouter");
      assertThat(m.providerModelId()).isEqualTo("meta-llama/llama-3.1-8b-instruct");
      assertThat(m.displayName()).isEqualTo("meta-llama/llama-3.1-8b-instruct");
      assertThat(valid("a/b/c/d").build().providerModelId()).isEqualTo("b/c/d");
    }

    @ParameterizedTest
    @ValueSource(strings = {"claude-haiku", "/claude", "anthropic/", "/", "", "  "})
    void idsWithoutProviderAndModelAreRejected(String id) {
      assertThatThrownBy(() -> valid(id).build()).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("id");
    }

    @Test
    void malformedIdMessageShowsTheExpectedForm() {
      assertThatThrownBy(() -> valid("claude-haiku").build())
          .hasMessageContaining("'claude-haiku'")
          .hasMessageContaining("<provider>/<model>");
      assertThatThrownBy(() -> valid(null).build()).isInstanceOf(NullPointerException.class)
          .hasMessageContaining("id");
    }

    @Test
    void defaultsAreDisplayNameFromIdBalancedTierAndNoCapabilities() {
      ModelInfo m = valid("openai/gpt-4o-mini").build();
      assertThat(m.displayName()).isEqualTo("gpt-4o-mini");
      assertThat(m.tier()).isEqualTo(ModelTier.BALANCED);
      assertThat(m.capabilities()).isEmpty();
      assertThat(valid("openai/gpt-4o-mini").displayName("GPT-4o mini").build().displayName())
          .isEqualTo("GPT-4o mini");
    }

    @Test
    void maxOutputAboveTheContextWindowIsRejected() {
      assertThatThrownBy(() -> valid("a/m").contextWindow(1_000).maxOutputTokens(1_001).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("maxOutputTokens")
          .hasMessageContaining("a/m")
          .hasMessageContaining("1001")
          .hasMessageContaining("1000");
      assertThat(valid("a/m").contextWindow(1_000).maxOutputTokens(1_000).build().maxOutputTokens())
          .isEqualTo(1_000);
    }

    @Test
    void limitsMustBeSetAndPositive() {
      assertThatThrownBy(() -> ModelInfo.builder("a/m").maxOutputTokens(10).pricing(Pricing.FREE).build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("contextWindow");
      assertThatThrownBy(() -> ModelInfo.builder("a/m").contextWindow(10).pricing(Pricing.FREE).build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxOutputTokens");
      assertThatThrownBy(() -> valid("a/m").contextWindow(-1).build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("contextWindow");
    }

    @Test
    void pricingAndTierAreRequired() {
      assertThatThrownBy(() -> ModelInfo.builder("a/m").contextWindow(10).maxOutputTokens(10).build())
          .isInstanceOf(NullPointerException.class).hasMessageContaining("pricing").hasMessageContaining("a/m");
      assertThatThrownBy(() -> valid("a/m").tier(null).build())
          .isInstanceOf(NullPointerException.class).hasMessageContaining("tier");
    }

    @Test
    void capabilitiesVarargsAddAndCollectionReplaces() {
      ModelInfo added = valid("a/m").capabilities(Capability.TOOLS).capabilities(Capability.VISION).build();
      assertThat(added.capabilities()).containsExactlyInAnyOrder(Capability.TOOLS, Capability.VISION);
      assertThat(added.has(Capability.TOOLS)).isTrue();
      assertThat(added.has(Capability.STREAMING)).isFalse();

      ModelInfo replaced = valid("a/m").capabilities(Capability.TOOLS)
          .capabilities(List.of(Capability.LONG_CONTEXT)).build();
      assertThat(replaced.capabilities()).containsExactly(Capability.LONG_CONTEXT);
    }

    @Test
    void capabilitiesAreUnmodifiableAndCopied() {
      List<Capability> caps = new ArrayList<>(List.of(Capability.TOOLS));
      ModelInfo.Builder b = valid("a/m").capabilities(caps);
      ModelInfo m = b.build();
      caps.add(Capability.VISION);
      b.capabilities(Capability.STREAMING);

      assertThat(m.capabilities()).containsExactly(Capability.TOOLS);
      assertThatThrownBy(() -> m.capabilities().add(Capability.VISION))
          .isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> valid("a/m").capabilities(Arrays.asList(Capability.TOOLS, null)))
          .isInstanceOf(NullPointerException.class).hasMessageContaining("capability");
    }

    @Test
    void toBuilderRoundTripIsEqual() {
      ModelInfo m = valid("anthropic/claude-sonnet-4-5").displayName("Claude Sonnet 4.5").tier(ModelTier.STRONG)
          .capabilities(EnumSet.of(Capability.TOOLS, Capability.PROMPT_CACHING)).build();
      ModelInfo copy = m.toBuilder().build();
      assertThat(copy).isEqualTo(m).hasSameHashCodeAs(m);
      assertThat(m.toBuilder().contextWindow(100_000).build()).isNotEqualTo(m);
      assertThat(m.toBuilder().tier(ModelTier.CHEAP).build()).isNotEqualTo(m);
    }
  }

  @Nested
  class ChatResponses {
    private ChatResponse.Builder valid() {
      return ChatResponse.builder().model("anthropic/claude-haiku-4-5").provider("anthropic");
    }

    @Test
    void modelAndProviderAreRequired() {
      assertThatThrownBy(() -> ChatResponse.builder().provider("p").build())
          .isInstanceOf(NullPointerException.class).hasMessageContaining("model");
      assertThatThrownBy(() -> ChatResponse.builder().model("p/m").build())
          .isInstanceOf(NullPointerException.class).hasMessageContaining("provider");
      assertThatThrownBy(() -> valid().model(" ").build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model");
      assertThatThrownBy(() -> valid().provider("").build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("provider");
    }

    @Test
    void otherFieldsHaveDocumentedDefaults() {
      ChatResponse r = valid().build();
      assertThat(r.id()).isEmpty();
      assertThat(r.callId()).isEmpty();
      assertThat(r.content()).isEmpty();
      assertThat(r.usage()).isEqualTo(Usage.ZERO);
      assertThat(r.stopReason()).isEqualTo(StopReason.END_TURN);
      assertThat(r.latency()).isEqualTo(Duration.ZERO);
      assertThat(r.cost()).isEqualByComparingTo("0");
      assertThat(r.providerRequestId()).isEmpty();
      assertThat(r.attempts()).isEqualTo(1);
      assertThat(r.modelsTried()).containsExactly("anthropic/claude-haiku-4-5");
    }

    @Test
    void nullsInRequiredFieldsAreNamed() {
      assertThatThrownBy(() -> valid().id(null).build()).isInstanceOf(NullPointerException.class)
          .hasMessageContaining("id");
      assertThatThrownBy(() -> valid().usage(null).build()).isInstanceOf(NullPointerException.class)
          .hasMessageContaining("usage");
      assertThatThrownBy(() -> valid().stopReason(null).build()).isInstanceOf(NullPointerException.class)
          .hasMessageContaining("stopReason");
      assertThatThrownBy(() -> valid().content(Arrays.asList(ContentBlock.text("a"), null)).build())
          .isInstanceOf(NullPointerException.class).hasMessageContaining("content[1]");
    }

    @Test
    void negativeCostLatencyOrAttemptsAreRejected() {
      assertThatThrownBy(() -> valid().cost(new BigDecimal("-0.01")).build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cost");
      assertThatThrownBy(() -> valid().latency(Duration.ofMillis(-1)).build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("latency");
      assertThatThrownBy(() -> valid().attempts(0).build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("attempts");
    }

    @Test
    void textJoinsTextBlocksAndToolUsesListsCallsInOrder() {
      ToolUseBlock first = new ToolUseBlock("toolu_1", "a", "{}");
      ToolUseBlock second = new ToolUseBlock("toolu_2", "b", "{\"x\":1}");
      ChatResponse r = valid().content(List.of(new ThinkingBlock("hmm", ""), ContentBlock.text("Hello, "), first,
          ContentBlock.text("world"), second)).build();

      assertThat(r.text()).isEqualTo("Hello, world");
      assertThat(r.toolUses()).containsExactly(first, second);
      assertThat(valid().build().text()).isEmpty();
      assertThat(valid().build().toolUses()).isEmpty();
    }

    @Test
    void toMessageIsAnAssistantMessageWithTheSameContent() {
      List<ContentBlock> content = List.of(ContentBlock.text("hi"), new ToolUseBlock("toolu_1", "a", "{}"));
      Message m = valid().content(content).build().toMessage();
      assertThat(m.role()).isEqualTo(Role.ASSISTANT);
      assertThat(m.content()).isEqualTo(content);
      assertThatThrownBy(() -> valid().build().toMessage()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toStringShowsAccountingButNotTheAnswer() {
      ChatResponse r = valid().content(List.of(ContentBlock.text("the secret answer is 42"),
          new ToolUseBlock("toolu_1", "lookup", "{\"q\":\"classified\"}"))).cost(new BigDecimal("0.0125")).build();
      String s = r.toString();
      assertThat(s).doesNotContain("secret").doesNotContain("classified");
      assertThat(s).contains("anthropic/claude-haiku-4-5").contains("0.0125");
    }

    @Test
    void equalityComparesCostByValue() {
      ChatResponse a = valid().cost(new BigDecimal("1.50")).build();
      ChatResponse b = valid().cost(new BigDecimal("1.5")).build();
      assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
      assertThat(a).isNotEqualTo(valid().cost(new BigDecimal("1.51")).build());
    }

    @Test
    void rawBodyAndRateLimitsAreKeptButNotComparedOrShown() {
      RateLimitInfo limits = new RateLimitInfo(new RateLimitInfo.Window(50, 49, null), null, null, null, null);
      String raw = "{\"content\":[{\"type\":\"text\",\"text\":\"the hidden completion\"}]}";
      ChatResponse plain = valid().content(List.of(ContentBlock.text("the hidden completion"))).build();
      ChatResponse withTransport = plain.toBuilder().rawBody(raw).rateLimits(limits).build();

      assertThat(plain.rawBody()).isEmpty();
      assertThat(plain.rateLimits()).isEmpty();
      assertThat(withTransport.rawBody()).contains(raw);
      assertThat(withTransport.rateLimits()).contains(limits);
      assertThat(withTransport.toBuilder().build().rawBody()).contains(raw);
      assertThat(withTransport).isEqualTo(plain).hasSameHashCodeAs(plain);
      assertThat(withTransport.toString()).doesNotContain("hidden");
    }

    @Test
    void toBuilderRoundTripIsEqualAndContentIsUnmodifiable() {
      List<ContentBlock> content = new ArrayList<>(List.of(ContentBlock.text("x")));
      ChatResponse r = valid().id("msg_1").callId("call-1").content(content).usage(Usage.of(5, 6))
          .stopReason(StopReason.MAX_TOKENS).latency(Duration.ofMillis(850)).cost(new BigDecimal("0.002"))
          .providerRequestId("req_9").attempts(3).modelsTried(List.of("openai/gpt-4o", "anthropic/claude-haiku-4-5"))
          .build();
      content.add(ContentBlock.text("y"));

      assertThat(r.toBuilder().build()).isEqualTo(r);
      assertThat(r.content()).hasSize(1);
      assertThat(r.providerRequestId()).contains("req_9");
      assertThat(r.modelsTried()).containsExactly("openai/gpt-4o", "anthropic/claude-haiku-4-5");
      assertThatThrownBy(() -> r.content().add(ContentBlock.text("z")))
          .isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> r.modelsTried().add("z")).isInstanceOf(UnsupportedOperationException.class);
    }
  }
}

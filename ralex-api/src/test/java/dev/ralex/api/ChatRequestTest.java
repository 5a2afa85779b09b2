package dev.ralex.api;

import static dev.ralex.api.Fixtures.tool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.strings;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChatRequestTest {

  private static ChatRequest.Builder minimal() {
    return ChatRequest.builder().addUserMessage("hello");
  }

  /** A request with every field set to a non-default value. */
  private static ChatRequest full() {
    return ChatRequest.builder()
        .system("You are terse.")
        .addUserMessage("What is the weather in Paris?")
        .addAssistantMessage("Let me check.")
        .addUserMessage("Thanks")
        .model("anthropic/claude-haiku-4-5")
        .maxOutputTokens(512)
        .temperature(0.7)
        .topP(0.9)
        .topK(40)
        .stopSequences(List.of("END", "STOP"))
        .addTool(tool("get_weather"))
        .addTool(tool("get_time"))
        .toolChoice(ToolChoice.tool("get_weather").withParallelToolUseDisabled())
        .tag("user", "alice")
        .tag("phase", "planning")
        .conversationId("conv-42")
        .build();
  }

  @Test
  void ofHoldsOneUserMessageAndLeavesEverythingElseUnset() {
    ChatRequest r = ChatRequest.of("hello");

    assertThat(r.messages())
        .containsExactly(new Message(Role.USER, List.of(new TextBlock("hello", CacheControl.NONE))));
    assertThat(r.system()).isEmpty();
    assertThat(r.systemText()).isEmpty();
    assertThat(r.model()).isEmpty();
    assertThat(r.maxOutputTokens()).isEqualTo(OptionalInt.empty());
    assertThat(r.temperature()).isEqualTo(OptionalDouble.empty());
    assertThat(r.topP()).isEqualTo(OptionalDouble.empty());
    assertThat(r.topK()).isEqualTo(OptionalInt.empty());
    assertThat(r.stopSequences()).isEmpty();
    assertThat(r.tools()).isEmpty();
    assertThat(r.toolChoice()).isEqualTo(ToolChoice.AUTO);
    assertThat(r.tags()).isEmpty();
    assertThat(r.conversationId()).isEmpty();
  }

  @Test
  void builderKeepsEveryValueItWasGiven() {
    ChatRequest r = full();

    assertThat(r.messages()).extracting(Message::role).containsExactly(Role.USER, Role.ASSISTANT, Role.USER);
    assertThat(r.systemText()).isEqualTo("You are terse.");
    assertThat(r.model()).contains("anthropic/claude-haiku-4-5");
    assertThat(r.maxOutputTokens()).isEqualTo(OptionalInt.of(512));
    assertThat(r.temperature()).isEqualTo(OptionalDouble.of(0.7));
    assertThat(r.topP()).isEqualTo(OptionalDouble.of(0.9));
    assertThat(r.topK()).isEqualTo(OptionalInt.of(40));
    assertThat(r.stopSequences()).containsExactly("END", "STOP");
    assertThat(r.tools()).extracting(ToolDefinition::name).containsExactly("get_weather", "get_time");
    assertThat(r.toolChoice().forcedTool()).contains("get_weather");
    assertThat(r.toolChoice().disableParallelToolUse()).isTrue();
    assertThat(r.tags()).containsExactly(Map.entry("user", "alice"), Map.entry("phase", "planning"));
    assertThat(r.conversationId()).contains("conv-42");
  }

  @Test
  void aRequestNeedsAtLeastOneMessage() {
    assertThatThrownBy(() -> ChatRequest.builder().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("message");
    assertThatThrownBy(() -> minimal().messages(List.of()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("message");
  }

  @Test
  void aNullMessageIsRejectedWithItsIndex() {
    assertThatThrownBy(() -> ChatRequest.builder().messages(Arrays.asList(Message.user("a"), null)).build())
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("messages[1]");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\t\n"})
  void blankModelIsRejected(String model) {
    assertThatThrownBy(() -> minimal().model(model).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("model");
  }

  @Test
  void nullModelLetsRalexChoose() {
    assertThat(minimal().model("a/b").model(null).build().model()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
  void maxOutputTokensMustBePositive(int max) {
    assertThatThrownBy(() -> minimal().maxOutputTokens(max).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxOutputTokens");
    assertThat(minimal().maxOutputTokens(1).build().maxOutputTokens()).isEqualTo(OptionalInt.of(1));
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.01, 2.01, -1.0, 100.0, Double.NaN, Double.POSITIVE_INFINITY})
  void temperatureOutsideZeroToTwoIsRejected(double t) {
    assertThatThrownBy(() -> minimal().temperature(t).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("temperature");
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, 1.0, 2.0})
  void temperatureBoundsAreInclusive(double t) {
    assertThat(minimal().temperature(t).build().temperature()).isEqualTo(OptionalDouble.of(t));
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, -0.5, 1.0001, Double.NaN})
  void topPOutsideZeroExclusiveToOneIsRejected(double p) {
    assertThatThrownBy(() -> minimal().topP(p).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("topP");
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.001, 0.5, 1.0})
  void topPInsideRangeIsKept(double p) {
    assertThat(minimal().topP(p).build().topP()).isEqualTo(OptionalDouble.of(p));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -5})
  void topKMustBePositive(int k) {
    assertThatThrownBy(() -> minimal().topK(k).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("topK");
    assertThat(minimal().topK(1).build().topK()).isEqualTo(OptionalInt.of(1));
  }

  @Test
  void anEmptyStopSequenceIsRejected() {
    assertThatThrownBy(() -> minimal().stopSequences(List.of("END", "")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContainingAll("stop", "sequence");
  }

  @Test
  void aNullStopSequenceIsRejectedWithItsIndex() {
    assertThatThrownBy(() -> minimal().stopSequences(Arrays.asList("END", null)).build())
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("stopSequences[1]");
  }

  @Test
  void aWhitespaceStopSequenceIsAllowed() {
    assertThat(minimal().stopSequences(List.of("\n\n")).build().stopSequences()).containsExactly("\n\n");
  }

  @Test
  void duplicateToolNamesAreRejectedNamingTheTool() {
    assertThatThrownBy(() -> minimal().addTool(tool("lookup")).addTool(tool("other")).addTool(tool("lookup")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate")
        .hasMessageContaining("lookup");
  }

  @Test
  void toolChoiceAnyNeedsATool() {
    assertThatThrownBy(() -> minimal().toolChoice(ToolChoice.ANY).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ANY");
    assertThat(minimal().toolChoice(ToolChoice.ANY).addTool(tool("t")).build().toolChoice())
        .isEqualTo(ToolChoice.ANY);
  }

  @Test
  void toolChoiceNoneWithoutToolsIsFine() {
    assertThat(minimal().toolChoice(ToolChoice.NONE).build().toolChoice()).isEqualTo(ToolChoice.NONE);
  }

  @Test
  void toolChoiceForcingAMissingToolIsRejectedNamingIt() {
    assertThatThrownBy(() -> minimal().addTool(tool("search")).toolChoice(ToolChoice.tool("lookup")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'lookup'")
        .hasMessageContaining("search");
    assertThatThrownBy(() -> minimal().toolChoice(ToolChoice.tool("lookup")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'lookup'");
  }

  @Test
  void aNullToolIsRejectedWithItsIndex() {
    assertThatThrownBy(() -> minimal().tools(Arrays.asList(tool("a"), null)).build())
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("tools[1]");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\t"})
  void blankTagKeyIsRejectedNamingTags(String key) {
    assertThatThrownBy(() -> minimal().tag(key, "v").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tags");
  }

  @Test
  void nullTagKeyOrValueIsRejected() {
    assertThatThrownBy(() -> minimal().tag(null, "v"))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("key");
    assertThatThrownBy(() -> minimal().tag("user", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("value");
    Map<String, String> withNull = new HashMap<>();
    withNull.put("user", null);
    assertThatThrownBy(() -> minimal().tags(withNull).build())
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("tags['user']");
  }

  @Test
  void tagReplacesTheValueOfAnExistingKeyAndTagsKeepInsertionOrder() {
    ChatRequest r = minimal().tag("b", "1").tag("a", "2").tag("b", "3").build();
    assertThat(r.tags()).containsExactly(Map.entry("b", "3"), Map.entry("a", "2"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\n"})
  void blankConversationIdIsRejected(String id) {
    assertThatThrownBy(() -> minimal().conversationId(id).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("conversationId");
  }

  @Test
  void toBuilderRoundTripGivesAnEqualRequest() {
    ChatRequest r = full();
    ChatRequest copy = r.toBuilder().build();

    assertThat(copy).isEqualTo(r).isNotSameAs(r);
    assertThat(copy.hashCode()).isEqualTo(r.hashCode());
    assertThat(ChatRequest.of("x").toBuilder().build()).isEqualTo(ChatRequest.of("x"));
  }

  @Test
  void changingTheBuilderFromToBuilderLeavesTheOriginalAlone() {
    ChatRequest r = full();
    ChatRequest changed = r.toBuilder().addUserMessage("more").tag("user", "bob").temperature(0.1).build();

    assertThat(changed).isNotEqualTo(r);
    assertThat(r.messages()).hasSize(3);
    assertThat(r.tags()).containsEntry("user", "alice");
    assertThat(r.temperature()).isEqualTo(OptionalDouble.of(0.7));
    assertThat(changed.messages()).hasSize(4);
  }

  @Test
  void requestsDifferingInOneFieldAreNotEqual() {
    ChatRequest base = full();
    assertThat(base.toBuilder().model("openai/gpt-4o").build()).isNotEqualTo(base);
    assertThat(base.toBuilder().maxOutputTokens(513).build()).isNotEqualTo(base);
    assertThat(base.toBuilder().topK(41).build()).isNotEqualTo(base);
    assertThat(base.toBuilder().stopSequences(List.of("END")).build()).isNotEqualTo(base);
    assertThat(base.toBuilder().conversationId("conv-43").build()).isNotEqualTo(base);
    assertThat(base.toBuilder().system("other").build()).isNotEqualTo(base);
  }

  @Test
  void withModelSetsOnlyTheModel() {
    ChatRequest r = full().toBuilder().model(null).build();
    ChatRequest withModel = r.withModel("openai/gpt-4o-mini");

    assertThat(withModel.model()).contains("openai/gpt-4o-mini");
    assertThat(r.model()).isEmpty();
    assertThat(withModel.toBuilder().model(null).build()).isEqualTo(r);
    assertThat(withModel.withModel("openai/gpt-4o-mini")).isEqualTo(withModel);
  }

  @Test
  void withModelGivesTheSameRequestAsABuilderRoundTrip() {
    ChatRequest r = full();
    ChatRequest viaBuilder = r.toBuilder().model("openai/gpt-4o").build();
    ChatRequest viaWith = r.withModel("openai/gpt-4o");

    assertThat(viaWith).isEqualTo(viaBuilder).hasSameHashCodeAs(viaBuilder);
    assertThat(viaWith.maxOutputTokens()).isEqualTo(OptionalInt.of(512));
    assertThat(viaWith.toString()).isEqualTo(viaBuilder.toString());
  }

  @Test
  void withMaxOutputTokensSetsOnlyTheLimit() {
    ChatRequest r = full();
    ChatRequest limited = r.withMaxOutputTokens(100);

    assertThat(limited.maxOutputTokens()).isEqualTo(OptionalInt.of(100));
    assertThat(r.maxOutputTokens()).isEqualTo(OptionalInt.of(512));
    assertThat(limited).isEqualTo(r.toBuilder().maxOutputTokens(100).build());
    assertThat(limited.model()).isEqualTo(r.model());
    assertThat(r.withMaxOutputTokens(512)).isEqualTo(r);
    assertThat(ChatRequest.of("x").withMaxOutputTokens(1).maxOutputTokens()).isEqualTo(OptionalInt.of(1));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1})
  void withMaxOutputTokensRejectsANonPositiveLimit(int max) {
    assertThatThrownBy(() -> ChatRequest.of("x").withMaxOutputTokens(max))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxOutputTokens");
  }

  @Test
  void derivedRequestsStayImmutable() {
    ChatRequest r = full().withModel("openai/gpt-4o").withMaxOutputTokens(64);
    assertThatThrownBy(() -> r.messages().add(Message.user("x"))).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> r.tags().put("k", "v")).isInstanceOf(UnsupportedOperationException.class);
    ChatRequest rebuilt = r.toBuilder().addUserMessage("more").build();
    assertThat(r.messages()).hasSize(3);
    assertThat(rebuilt.messages()).hasSize(4);
  }

  @Test
  void withModelValidatesTheModel() {
    assertThatThrownBy(() -> ChatRequest.of("x").withModel(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("model");
    assertThatThrownBy(() -> ChatRequest.of("x").withModel(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("model");
  }

  @Test
  void withMessagesReplacesTheConversationAndKeepsTheRest() {
    ChatRequest r = full();
    ChatRequest replaced = r.withMessages(List.of(Message.user("summary")));

    assertThat(replaced.messages()).containsExactly(Message.user("summary"));
    assertThat(replaced.model()).isEqualTo(r.model());
    assertThat(replaced.tools()).isEqualTo(r.tools());
    assertThatThrownBy(() -> r.withMessages(List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void returnedCollectionsCannotBeModified() {
    ChatRequest r = full();
    assertThatThrownBy(() -> r.messages().add(Message.user("x"))).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> r.messages().remove(0)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> r.system().clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> r.stopSequences().add("x")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> r.tools().add(tool("x"))).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> r.tags().put("k", "v")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> r.tags().remove("user")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void changingTheBuildersInputsOrTheBuilderAfterBuildDoesNotChangeTheRequest() {
    List<Message> messages = new ArrayList<>(List.of(Message.user("first")));
    List<TextBlock> system = new ArrayList<>(List.of(new TextBlock("sys", CacheControl.NONE)));
    List<String> stops = new ArrayList<>(List.of("END"));
    List<ToolDefinition> tools = new ArrayList<>(List.of(tool("a")));
    Map<String, String> tags = new LinkedHashMap<>(Map.of("user", "alice"));
    ChatRequest.Builder builder = ChatRequest.builder()
        .messages(messages).systemBlocks(system).stopSequences(stops).tools(tools).tags(tags);
    ChatRequest r = builder.build();

    messages.add(Message.user("second"));
    system.add(new TextBlock("more", CacheControl.NONE));
    stops.add("STOP");
    tools.add(tool("b"));
    tags.put("phase", "x");
    builder.addUserMessage("third").addTool(tool("c")).tag("other", "y").system("replaced");

    assertThat(r.messages()).containsExactly(Message.user("first"));
    assertThat(r.systemText()).isEqualTo("sys");
    assertThat(r.stopSequences()).containsExactly("END");
    assertThat(r.tools()).extracting(ToolDefinition::name).containsExactly("a");
    assertThat(r.tags()).containsExactly(Map.entry("user", "alice"));
  }

  @Test
  void toStringDescribesTheShapeButNeverThePromptText() {
    ChatRequest r = ChatRequest.builder()
        .system("SYSTEM-SECRET-instructions")
        .addUserMessage("USER-SECRET-question")
        .addMessage(Message.assistant(new ToolUseBlock("toolu_1", "lookup", "{\"q\":\"TOOL-SECRET-arg\"}")))
        .addMessage(Message.user(ToolResultBlock.of("toolu_1", "RESULT-SECRET-text")))
        .addTool(tool("lookup"))
        .model("anthropic/claude-haiku-4-5")
        .build();
    String s = r.toString();

    assertThat(s).doesNotContain("SECRET");
    assertThat(s).contains("messages=3").contains("anthropic/claude-haiku-4-5").contains("tools=1");
  }

  @Test
  void toStringNeverContainsGeneratedPromptText() {
    qt().withExamples(200)
        .forAll(strings().basicMultilingualPlaneAlphabet().ofLengthBetween(0, 40))
        .checkAssert(text -> {
          String prompt = "PROMPT<" + text + ">";
          ChatRequest r = ChatRequest.builder().system(prompt).addUserMessage(prompt).addAssistantMessage(prompt)
              .build();
          assertThat(r.toString()).doesNotContain("PROMPT<");
        });
  }

  @Test
  void systemTextJoinsBlocksWithABlankLine() {
    ChatRequest r = minimal().systemBlocks(List.of(
        new TextBlock("stable part", CacheControl.EPHEMERAL), new TextBlock("varying part", CacheControl.NONE)))
        .build();
    assertThat(r.systemText()).isEqualTo("stable part\n\nvarying part");
    assertThat(r.system()).extracting(TextBlock::cacheControl)
        .containsExactly(CacheControl.EPHEMERAL, CacheControl.NONE);
  }

  @Test
  void emptyOrNullSystemTextRemovesTheSystemPrompt() {
    assertThat(minimal().system("x").system("").build().system()).isEmpty();
    assertThat(minimal().system("x").system(null).build().system()).isEmpty();
  }

  @Test
  void lastUserTextIsTheTextOfTheLastUserMessage() {
    ChatRequest r = ChatRequest.builder().addUserMessage("q1").addAssistantMessage("a1").addUserMessage("q2")
        .addAssistantMessage("a2").build();
    assertThat(r.lastUserText()).isEqualTo("q2");
    assertThat(ChatRequest.builder().addAssistantMessage("only the model").build().lastUserText()).isEmpty();
  }
}

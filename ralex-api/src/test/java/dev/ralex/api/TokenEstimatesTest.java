package dev.ralex.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

class TokenEstimatesTest {

  @ParameterizedTest(name = "\"{0}\" -> {1}")
  @CsvSource(delimiter = '|', value = {
      "''         | 0",
      "a          | 1",
      "abcd       | 1",
      "abcde      | 2",
      "abcdefgh   | 2",
      "abcdefghi  | 3",
      "'    '     | 1",
      "日本語      | 3",
      "ab日本      | 3",
      "é          | 1",
      "😀         | 1",
      "a😀b       | 2",
      "😀😀😀     | 3"})
  void estimateTextCountsAQuarterPerAsciiCharRoundedUpAndOnePerOtherCharacter(String text, long expected) {
    assertThat(TokenEstimates.estimateText(text)).isEqualTo(expected);
  }

  @Test
  void aSurrogatePairCountsOnce() {
    String emoji = new String(Character.toChars(0x1F600));
    assertThat(emoji).hasSize(2);
    assertThat(TokenEstimates.estimateText(emoji)).isEqualTo(1);
  }

  @Test
  void asciiTextIsAQuarterTokenPerCharacterRoundedUp() {
    qt().forAll(strings().ascii().ofLengthBetween(0, 500)).checkAssert(text ->
        assertThat(TokenEstimates.estimateText(text)).isEqualTo((long) Math.ceil(text.length() / 4.0)));
  }

  @Test
  void oneUserMessageIsItsTextPlusTheMessageOverhead() {
    // 4 per message + ceil(5 / 4) = 4 + 2
    assertThat(TokenEstimates.estimateInputTokens(ChatRequest.of("hello"))).isEqualTo(6);
  }

  @Test
  void theSystemPromptCounts() {
    // "abcd" = 1, then 6 for the message
    assertThat(TokenEstimates.estimateInputTokens(ChatRequest.builder().system("abcd").addUserMessage("hello")
        .build())).isEqualTo(7);
  }

  @Test
  void toolsAddAPreambleOnceAndEachDefinition() {
    ToolDefinition weather = ToolDefinition.of("get_weather", "Weather", "{\"type\":\"object\"}");
    ToolDefinition tiny = ToolDefinition.of("t", "d", "{}");
    // get_weather: name 11 chars = 3, description 7 chars = 2, schema 17 chars = 5, overhead 4 -> 14
    // t: 1 + 1 + 1 + 4 = 7; preamble 350; message 6
    assertThat(TokenEstimates.estimateInputTokens(ChatRequest.builder().addUserMessage("hello").addTool(weather)
        .build())).isEqualTo(6 + 350 + 14);
    assertThat(TokenEstimates.estimateInputTokens(ChatRequest.builder().addUserMessage("hello").addTool(weather)
        .addTool(tiny).build())).isEqualTo(6 + 350 + 14 + 7);
  }

  @Test
  void anImageCountsAFixedConservativeAmount() {
    ChatRequest r = ChatRequest.builder()
        .addMessage(Message.user(ContentBlock.text("hi"), ImageBlock.base64("image/png", "AQID"))).build();
    // 4 + 1 + 1,600
    assertThat(TokenEstimates.estimateInputTokens(r)).isEqualTo(1_605);
    ChatRequest two = ChatRequest.builder().addMessage(Message.user(ContentBlock.text("hi"),
        ImageBlock.base64("image/png", "AQID"), ImageBlock.url("image/png", java.net.URI.create("https://x.y/z"))))
        .build();
    assertThat(TokenEstimates.estimateInputTokens(two)).isEqualTo(3_205);
  }

  @Test
  void toolCallsAndResultsCountTheirTextAndOverheads() {
    ChatRequest r = ChatRequest.builder()
        .addUserMessage("hello")
        .addMessage(Message.assistant(new ToolUseBlock("toolu_1", "get_weather", "{\"city\":\"Paris\"}")))
        .addMessage(Message.user(ToolResultBlock.of("toolu_1", "18C")))
        .build();
    // user: 4 + 2 = 6
    // assistant: 4 + (block 4 + name 11 chars = 3 + input 16 chars = 4) = 15
    // user: 4 + (block 4 + "18C" = 1) = 9
    assertThat(TokenEstimates.estimateInputTokens(r)).isEqualTo(30);
  }

  @Test
  void thinkingAndOtherBlocksCountTheirText() {
    ChatRequest r = ChatRequest.builder()
        .addUserMessage("hello")
        .addMessage(Message.assistant(new ThinkingBlock("abcdefgh", "signature-not-counted"), ContentBlock.text("ok")))
        .addMessage(Message.user(new OtherBlock("x", "{\"type\":\"x\"}")))
        .build();
    // 6 + (4 + 2 + 1) + (4 + 12 chars = 3)
    assertThat(TokenEstimates.estimateInputTokens(r)).isEqualTo(20);
  }

  @Test
  void addingToolsOrImagesRaisesTheEstimate() {
    ChatRequest base = ChatRequest.of("describe this");
    ChatRequest withTool = base.toBuilder().addTool(Fixtures.tool("lookup")).build();
    ChatRequest withImage = base.toBuilder()
        .addMessage(Message.user(ImageBlock.base64("image/jpeg", "AQID"))).build();
    int b = TokenEstimates.estimateInputTokens(base);
    assertThat(TokenEstimates.estimateInputTokens(withTool)).isGreaterThan(b);
    assertThat(TokenEstimates.estimateInputTokens(withImage)).isGreaterThan(b);
  }

  private static final Gen<String> TEXT = strings().basicMultilingualPlaneAlphabet().ofLengthBetween(1, 60)
      .mix(strings().ascii().ofLengthBetween(1, 200));

  private static final Gen<List<String>> CONVERSATION = lists().of(TEXT).ofSizeBetween(1, 8);

  private static ChatRequest request(List<String> texts, int tools) {
    ChatRequest.Builder b = ChatRequest.builder();
    for (int i = 0; i < texts.size(); i++) {
      if (i % 2 == 0) {
        b.addUserMessage(texts.get(i));
      } else {
        b.addAssistantMessage(texts.get(i));
      }
    }
    for (int i = 0; i < tools; i++) {
      b.addTool(Fixtures.tool("tool_" + i));
    }
    return b.build();
  }

  @Test
  void appendingAMessageRaisesTheEstimate() {
    qt().forAll(CONVERSATION, TEXT, integers().between(0, 3), Generate.booleans())
        .checkAssert((texts, extra, tools, withImage) -> {
          ChatRequest before = request(texts, tools);
          Message appended = withImage
              ? Message.user(ContentBlock.text(extra), ImageBlock.base64("image/png", "AQID"))
              : (texts.size() % 2 == 0 ? Message.user(extra) : Message.assistant(extra));
          List<Message> messages = new ArrayList<>(before.messages());
          messages.add(appended);
          ChatRequest after = before.withMessages(messages);

          int b = TokenEstimates.estimateInputTokens(before);
          assertThat(b).isGreaterThanOrEqualTo(1);
          assertThat(TokenEstimates.estimateInputTokens(after)).isGreaterThan(b);
        });
  }

  @Test
  void everyMessageCostsAtLeastItsOverheadAndOneTokenOfText() {
    qt().forAll(CONVERSATION).checkAssert(texts ->
        assertThat(TokenEstimates.estimateInputTokens(request(texts, 0))).isGreaterThanOrEqualTo(5 * texts.size()));
  }
}

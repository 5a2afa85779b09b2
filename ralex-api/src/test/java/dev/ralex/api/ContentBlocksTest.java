package dev.ralex.api;

import static dev.ralex.api.Fixtures.OBJECT_SCHEMA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ContentBlocksTest {
  private static final ToolUseBlock TOOL_USE = new ToolUseBlock("toolu_01", "get_weather", "{\"city\":\"Paris\"}");
  private static final ThinkingBlock THINKING = new ThinkingBlock("let me think", "sig");
  private static final ImageBlock IMAGE = ImageBlock.base64("image/png", "AQID");

  @Nested
  class MessageRules {
    @Test
    void userMessageCannotHoldToolUse() {
      assertThatThrownBy(() -> Message.user(ContentBlock.text("hi"), TOOL_USE))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("user")
          .hasMessageContaining("tool_use");
    }

    @Test
    void userMessageCannotHoldThinking() {
      assertThatThrownBy(() -> Message.user(THINKING))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("thinking");
    }

    @Test
    void assistantMessageCannotHoldToolResult() {
      assertThatThrownBy(() -> Message.assistant(ToolResultBlock.of("toolu_01", "18C")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("assistant")
          .hasMessageContaining("tool_result");
    }

    @Test
    void eachRoleHoldsTheBlocksItMay() {
      Message assistant = Message.assistant(THINKING, ContentBlock.text("Checking."), TOOL_USE);
      Message user = Message.user(ToolResultBlock.of("toolu_01", "18C"), ContentBlock.text("and?"), IMAGE);
      Message other = Message.user(new OtherBlock("document", "{\"type\":\"document\"}"));

      assertThat(assistant.content()).hasSize(3);
      assertThat(user.content()).hasSize(3);
      assertThat(other.role()).isEqualTo(Role.USER);
    }

    @Test
    void emptyContentIsRejected() {
      assertThatThrownBy(() -> new Message(Role.USER, List.of()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("content");
      assertThatThrownBy(() -> Message.assistant(new ContentBlock[0]))
          .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nullRoleOrBlockIsRejectedByName() {
      assertThatThrownBy(() -> new Message(null, List.of(ContentBlock.text("x"))))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("role");
      assertThatThrownBy(() -> new Message(Role.USER, Arrays.asList(ContentBlock.text("x"), null)))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("content[1]");
    }

    @Test
    void contentIsCopiedAndUnmodifiable() {
      List<ContentBlock> blocks = new ArrayList<>(List.of(ContentBlock.text("a")));
      Message m = new Message(Role.USER, blocks);
      blocks.add(ContentBlock.text("b"));

      assertThat(m.content()).containsExactly(ContentBlock.text("a"));
      assertThatThrownBy(() -> m.content().add(ContentBlock.text("c")))
          .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void textJoinsOnlyTheTextBlocksAndToolUsesListsTheCallsInOrder() {
      ToolUseBlock second = new ToolUseBlock("toolu_02", "get_time", "{}");
      Message m = Message.assistant(THINKING, ContentBlock.text("Hello, "), TOOL_USE, ContentBlock.text("world"),
          second);

      assertThat(m.text()).isEqualTo("Hello, world");
      assertThat(m.toolUses()).containsExactly(TOOL_USE, second);
      assertThat(Message.user("just this").text()).isEqualTo("just this");
      assertThat(Message.user(ToolResultBlock.of("toolu_01", "result text")).text()).isEmpty();
    }

    @Test
    void toStringShowsRoleAndKindsButNotText() {
      String s = Message.user(ContentBlock.text("my private question"), IMAGE).toString();
      assertThat(s).contains("USER").contains("TextBlock").contains("ImageBlock");
      assertThat(s).doesNotContain("private").doesNotContain("AQID");
    }
  }

  @Nested
  class TextBlocks {
    @Test
    void emptyTextIsRejectedNamingText() {
      assertThatThrownBy(() -> ContentBlock.text(""))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("text");
      assertThatThrownBy(() -> new TextBlock(null, CacheControl.NONE))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("text");
      assertThatThrownBy(() -> new TextBlock("x", null))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("cacheControl");
    }

    @Test
    void whitespaceTextIsAllowed() {
      assertThat(ContentBlock.text(" ").text()).isEqualTo(" ");
    }

    @Test
    void withCacheControlAddsABreakpointAndKeepsTheText() {
      TextBlock plain = ContentBlock.text("long stable prefix");
      TextBlock marked = plain.withCacheControl(CacheControl.EPHEMERAL_1H);

      assertThat(marked.text()).isEqualTo("long stable prefix");
      assertThat(marked.cacheControl()).isEqualTo(CacheControl.EPHEMERAL_1H);
      assertThat(plain.cacheControl()).isEqualTo(CacheControl.NONE);
      assertThat(marked.type()).isEqualTo("text");
    }

    @Test
    void toStringGivesTheLengthNotTheText() {
      TextBlock b = ContentBlock.text("confidential");
      assertThat(b.toString()).doesNotContain("confidential").contains("12");
      assertThat(b.withCacheControl(CacheControl.EPHEMERAL).toString()).contains("EPHEMERAL");
    }
  }

  @Nested
  class ImageBlocks {
    @ParameterizedTest
    @ValueSource(strings = {"image/jpeg", "image/png", "image/gif", "image/webp"})
    void supportedMediaTypesAreAccepted(String mediaType) {
      assertThat(ImageBlock.base64(mediaType, "AQID").mediaType()).isEqualTo(mediaType);
      assertThat(ImageBlock.url(mediaType, URI.create("https://example.com/a")).mediaType()).isEqualTo(mediaType);
    }

    @ParameterizedTest
    @ValueSource(strings = {"image/bmp", "image/svg+xml", "text/plain", "application/pdf", "png", ""})
    void otherMediaTypesAreRejectedNamingTheField(String mediaType) {
      assertThatThrownBy(() -> ImageBlock.base64(mediaType, "AQID"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("mediaType");
    }

    @Test
    void exactlyOneOfDataAndUrl() {
      URI url = URI.create("https://example.com/cat.png");
      assertThatThrownBy(() -> new ImageBlock("image/png", "AQID", url, CacheControl.NONE))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("base64Data").hasMessageContaining("url");
      assertThatThrownBy(() -> new ImageBlock("image/png", null, null, CacheControl.NONE))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("base64Data").hasMessageContaining("url");
    }

    @ParameterizedTest
    @ValueSource(strings = {"not base64!", "@@@@", "A", "AQID====x"})
    void malformedBase64IsRejected(String data) {
      assertThatThrownBy(() -> ImageBlock.base64("image/png", data))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("base64Data");
    }

    @Test
    void emptyBase64IsRejected() {
      assertThatThrownBy(() -> ImageBlock.base64("image/png", ""))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("base64Data");
    }

    @Test
    void ofBytesEncodesTheBytes() {
      // 0x01 0x02 0x03 = 000000 010000 001000 000011 = A Q I D
      ImageBlock b = ImageBlock.ofBytes("image/gif", new byte[] {1, 2, 3});
      assertThat(b.base64Data()).isEqualTo("AQID");
      assertThat(b.url()).isNull();
      assertThat(b.type()).isEqualTo("image");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://example.com/a.png", "file:///tmp/a.png", "data:image/png;base64,AQID",
        "images/a.png", "javascript:alert(1)"})
    void nonHttpUrlsAreRejected(String url) {
      assertThatThrownBy(() -> ImageBlock.url("image/png", URI.create(url)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("url");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://example.com/a.png", "https://example.com/a.png", "HTTPS://EXAMPLE.COM/A.PNG"})
    void httpAndHttpsUrlsAreAccepted(String url) {
      assertThat(ImageBlock.url("image/png", URI.create(url)).url()).isEqualTo(URI.create(url));
    }

    @Test
    void toStringHidesTheData() {
      String data = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
      String s = ImageBlock.base64("image/png", data).toString();
      assertThat(s).doesNotContain(data).doesNotContain("iVBOR").contains("image/png");
    }
  }

  @Nested
  class ToolUseBlocks {
    @ParameterizedTest
    @ValueSource(strings = {"{}", " {\"city\":\"Paris\",\"days\":[1,2]} ", "{\"nested\":{\"a\":null}}"})
    void objectInputIsAccepted(String json) {
      assertThat(new ToolUseBlock("toolu_1", "lookup", json).inputJson()).isEqualTo(json);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "\"text\"", "42", "null", "{", "", "{\"a\":}", "city=Paris"})
    void nonObjectInputIsRejectedNamingTheFieldAndTool(String json) {
      assertThatThrownBy(() -> new ToolUseBlock("toolu_1", "lookup", json))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("inputJson")
          .hasMessageContaining("lookup");
    }

    @Test
    void blankIdOrNameIsRejectedNamingTheField() {
      assertThatThrownBy(() -> new ToolUseBlock(" ", "lookup", "{}"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id");
      assertThatThrownBy(() -> new ToolUseBlock("toolu_1", "", "{}"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
      assertThatThrownBy(() -> new ToolUseBlock("toolu_1", "lookup", null))
          .isInstanceOf(NullPointerException.class).hasMessageContaining("inputJson");
    }

    @Test
    void toStringNamesTheCallButHidesTheInput() {
      String s = new ToolUseBlock("toolu_1", "lookup", "{\"ssn\":\"123-45-6789\"}").toString();
      assertThat(s).contains("toolu_1").contains("lookup").doesNotContain("123-45-6789").doesNotContain("ssn");
      assertThat(TOOL_USE.type()).isEqualTo("tool_use");
    }
  }

  @Nested
  class ToolResultBlocks {
    @Test
    void factoriesSetTextAndErrorFlag() {
      ToolResultBlock ok = ToolResultBlock.of("toolu_1", "18C and sunny");
      ToolResultBlock failed = ToolResultBlock.error("toolu_1", "city not found");

      assertThat(ok.text()).isEqualTo("18C and sunny");
      assertThat(ok.isError()).isFalse();
      assertThat(failed.text()).isEqualTo("city not found");
      assertThat(failed.isError()).isTrue();
      assertThat(ok.type()).isEqualTo("tool_result");
    }

    @Test
    void textAndImageContentIsAcceptedAndMayBeEmpty() {
      ToolResultBlock r = new ToolResultBlock("toolu_1", List.of(ContentBlock.text("a"), IMAGE,
          ContentBlock.text("b")), false, CacheControl.NONE);
      assertThat(r.text()).isEqualTo("ab");
      assertThat(new ToolResultBlock("toolu_1", List.of(), false, CacheControl.NONE).text()).isEmpty();
    }

    @Test
    void otherKindsOfContentAreRejected() {
      List<ContentBlock> bad = List.of(TOOL_USE, THINKING, new OtherBlock("x", "{}"),
          ToolResultBlock.of("toolu_0", "nested"));
      for (ContentBlock block : bad) {
        assertThatThrownBy(() -> new ToolResultBlock("toolu_1", List.of(block), false, CacheControl.NONE))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(block.type());
      }
    }

    @Test
    void blankToolUseIdIsRejected() {
      assertThatThrownBy(() -> ToolResultBlock.of(" ", "x"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("toolUseId");
    }

    @Test
    void contentIsCopiedAndUnmodifiable() {
      List<ContentBlock> blocks = new ArrayList<>(List.of(ContentBlock.text("a")));
      ToolResultBlock r = new ToolResultBlock("toolu_1", blocks, false, CacheControl.NONE);
      blocks.add(ContentBlock.text("b"));
      assertThat(r.content()).hasSize(1);
      assertThatThrownBy(() -> r.content().clear()).isInstanceOf(UnsupportedOperationException.class);
    }
  }

  @Nested
  class ToolDefinitions {
    @ParameterizedTest
    @ValueSource(strings = {"a", "get_weather", "Get-Weather_2", "_", "-",
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"})
    void namesOfOneTo64AllowedCharactersAreAccepted(String name) {
      assertThat(ToolDefinition.of(name, "d", OBJECT_SCHEMA).name()).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "get weather", "get.weather", "wéather", "tool/x", "a:b",
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-x"})
    void otherNamesAreRejectedShowingTheName(String name) {
      assertThatThrownBy(() -> ToolDefinition.of(name, "d", OBJECT_SCHEMA))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("tool name")
          .hasMessageContaining("'" + name + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "true", "\"object\"", "{", "", "{\"type\":\"object\",}"})
    void schemaMustBeAJsonObject(String schema) {
      assertThatThrownBy(() -> ToolDefinition.of("lookup", "d", schema))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("inputSchemaJson")
          .hasMessageContaining("lookup");
    }

    @Test
    void requiredPartsAreNamedWhenNull() {
      assertThatThrownBy(() -> ToolDefinition.of(null, "d", OBJECT_SCHEMA))
          .isInstanceOf(NullPointerException.class).hasMessageContaining("name");
      assertThatThrownBy(() -> ToolDefinition.of("t", null, OBJECT_SCHEMA))
          .isInstanceOf(NullPointerException.class).hasMessageContaining("description");
      assertThatThrownBy(() -> ToolDefinition.of("t", "d", null))
          .isInstanceOf(NullPointerException.class).hasMessageContaining("inputSchemaJson");
      assertThatThrownBy(() -> new ToolDefinition("t", "d", OBJECT_SCHEMA, null))
          .isInstanceOf(NullPointerException.class).hasMessageContaining("cacheControl");
    }

    @Test
    void ofHasNoCacheBreakpointAndKeepsTheSchemaText() {
      ToolDefinition t = ToolDefinition.of("get_weather", "Current weather", Fixtures.WEATHER_SCHEMA);
      assertThat(t.cacheControl()).isEqualTo(CacheControl.NONE);
      assertThat(t.inputSchemaJson()).isEqualTo(Fixtures.WEATHER_SCHEMA);
      assertThat(t.description()).isEqualTo("Current weather");
    }
  }

  @Nested
  class ToolChoices {
    @Test
    void toolForcesTheNamedTool() {
      ToolChoice c = ToolChoice.tool("lookup");
      assertThat(c.mode()).isEqualTo(ToolChoice.Mode.TOOL);
      assertThat(c.forcedTool()).contains("lookup");
      assertThat(c.disableParallelToolUse()).isFalse();
    }

    @Test
    void aToolNameGoesWithModeToolAndOnlyWithIt() {
      assertThatThrownBy(() -> new ToolChoice(ToolChoice.Mode.TOOL, null, false))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TOOL");
      for (ToolChoice.Mode mode : List.of(ToolChoice.Mode.AUTO, ToolChoice.Mode.ANY, ToolChoice.Mode.NONE)) {
        assertThatThrownBy(() -> new ToolChoice(mode, "lookup", false))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tool name");
      }
      assertThatThrownBy(() -> ToolChoice.tool(" "))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("toolName");
      assertThatThrownBy(() -> new ToolChoice(null, null, false))
          .isInstanceOf(NullPointerException.class).hasMessageContaining("mode");
    }

    @Test
    void constantsHaveTheirModeAndNoForcedTool() {
      assertThat(ToolChoice.AUTO.mode()).isEqualTo(ToolChoice.Mode.AUTO);
      assertThat(ToolChoice.ANY.mode()).isEqualTo(ToolChoice.Mode.ANY);
      assertThat(ToolChoice.NONE.mode()).isEqualTo(ToolChoice.Mode.NONE);
      assertThat(List.of(ToolChoice.AUTO, ToolChoice.ANY, ToolChoice.NONE))
          .allSatisfy(c -> {
            assertThat(c.forcedTool()).isEmpty();
            assertThat(c.disableParallelToolUse()).isFalse();
          });
    }

    @Test
    void withParallelToolUseDisabledKeepsModeAndTool() {
      ToolChoice c = ToolChoice.tool("lookup").withParallelToolUseDisabled();
      assertThat(c).isEqualTo(new ToolChoice(ToolChoice.Mode.TOOL, "lookup", true));
      assertThat(ToolChoice.ANY.withParallelToolUseDisabled())
          .isEqualTo(new ToolChoice(ToolChoice.Mode.ANY, null, true));
      assertThat(ToolChoice.ANY.disableParallelToolUse()).isFalse();
    }
  }

  @Nested
  class OtherAndThinkingBlocks {
    @Test
    void otherBlockKeepsItsTypeAndRawJson() {
      OtherBlock b = new OtherBlock("redacted_thinking", "{\"type\":\"redacted_thinking\",\"data\":\"EuYBCkQYAiJA\"}");
      assertThat(b.type()).isEqualTo("redacted_thinking");
      assertThat(b.rawJson()).isEqualTo("{\"type\":\"redacted_thinking\",\"data\":\"EuYBCkQYAiJA\"}");
      assertThat(b.toString()).contains("redacted_thinking").doesNotContain("EuYBCkQYAiJA");
    }

    @Test
    void otherBlockNeedsATypeAndAJsonObject() {
      assertThatThrownBy(() -> new OtherBlock(" ", "{}"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("type");
      assertThatThrownBy(() -> new OtherBlock("server_tool_use", "[1]"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("rawJson").hasMessageContaining("server_tool_use");
      assertThatThrownBy(() -> new OtherBlock("server_tool_use", null))
          .isInstanceOf(NullPointerException.class).hasMessageContaining("rawJson");
    }

    @Test
    void thinkingMayBeEmptyButNotNull() {
      ThinkingBlock empty = new ThinkingBlock("", "");
      assertThat(empty.thinking()).isEmpty();
      assertThat(empty.type()).isEqualTo("thinking");
      assertThatThrownBy(() -> new ThinkingBlock(null, "s"))
          .isInstanceOf(NullPointerException.class).hasMessageContaining("thinking");
      assertThatThrownBy(() -> new ThinkingBlock("t", null))
          .isInstanceOf(NullPointerException.class).hasMessageContaining("signature");
    }

    @Test
    void thinkingToStringHidesTheReasoning() {
      assertThat(new ThinkingBlock("the user seems upset", "sig-abc").toString())
          .doesNotContain("upset").doesNotContain("sig-abc");
    }
  }
}

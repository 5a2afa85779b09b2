package dev.ralex.providers.openrouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

import dev.ralex.api.ApiKey;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ImageBlock;
import dev.ralex.api.Message;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.Pricing;
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.TokenEstimates;
import dev.ralex.api.ToolDefinition;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

class OpenAiTokenCounterTest {
  private static final ModelInfo GPT_4O = model("openai/gpt-4o");
  private static final ModelInfo GPT_4 = model("openai/gpt-4-turbo");
  private static final String SCHEMA = "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}";

  private static ModelInfo model(String id) {
    return ModelInfo.builder(id).contextWindow(128_000).maxOutputTokens(16_000).pricing(Pricing.FREE).build();
  }

  private static String encodingOf(String id) {
    return OpenAiTokenCounter.forModel(model(id)).map(OpenAiTokenCounter::encodingName).orElse("none");
  }

  @Test
  void picksTheEncodingByModelName() {
    for (String id : List.of("openai/gpt-4o", "openai/gpt-4o-mini-2024-07-18", "openrouter/openai/gpt-4.1:free",
        "openai/gpt-4.1-nano", "openai/gpt-5", "openai/gpt-5-mini", "openrouter/openai/o3-mini", "openai/o1",
        "openai/o4-mini", "openai/chatgpt-4o-latest", "vllm/gpt-oss-20b", "openai/ft:gpt-4o-mini:acme::abc123",
        "azure/GPT-4o")) {
      assertThat(encodingOf(id)).as(id).isEqualTo("o200k_base");
    }
    for (String id : List.of("openai/gpt-4", "openai/gpt-4-turbo", "openai/gpt-4-0613", "openai/gpt-3.5-turbo",
        "azure/gpt-35-turbo", "openrouter/openai/gpt-3.5-turbo-instruct")) {
      assertThat(encodingOf(id)).as(id).isEqualTo("cl100k_base");
    }
    for (String id : List.of("anthropic/claude-sonnet-4-5", "openrouter/meta-llama/llama-3.1-8b-instruct",
        "openrouter/mistralai/mistral-large", "openai/omni-moderation-latest", "ollama/qwen2.5:7b",
        "openrouter/google/gemini-2.5-pro")) {
      assertThat(encodingOf(id)).as(id).isEqualTo("none");
    }
  }

  @Test
  void textIsCountedWithOpenAisTokenizer() {
    // OpenAI's cookbook: "tiktoken is great!" is 6 tokens in cl100k_base.
    assertThat(OpenAiTokenCounter.cl100k().countText("tiktoken is great!")).isEqualTo(6);
    assertThat(OpenAiTokenCounter.o200k().countText("hello world")).isEqualTo(2);
    assertThat(OpenAiTokenCounter.o200k().countText("")).isZero();
    // Special-token markers in user text are plain text, never a failure.
    assertThat(OpenAiTokenCounter.o200k().countText("<|endoftext|>")).isGreaterThan(1);
    // o200k is the denser encoding for Chinese.
    assertThat(OpenAiTokenCounter.o200k().countText("你好，世界"))
        .isLessThan(OpenAiTokenCounter.cl100k().countText("你好，世界"));
  }

  @Test
  void aPlainTurnIsItsTextPlusTheChatFormatsOverheads() {
    OpenAiTokenCounter counter = OpenAiTokenCounter.o200k();
    ChatRequest r = ChatRequest.of("hello world");
    // 3 per message + "user" (1) + 2, and 3 to prime the reply.
    assertThat(counter.countMessage(GPT_4O, r.messages().get(0))).isEqualTo(3 + 1 + 2);
    assertThat(counter.countFixed(GPT_4O, r)).isEqualTo(3);
    assertThat(counter.countInputTokens(GPT_4O, r)).isEqualTo(9);
    ChatRequest withSystem = r.toBuilder().system("hello world").build();
    assertThat(counter.countFixed(GPT_4O, withSystem)).isEqualTo(3 + 3 + 1 + 2);
  }

  @Test
  void toolsCountTheirFunctionDefinitionJson() {
    OpenAiTokenCounter counter = OpenAiTokenCounter.o200k();
    ToolDefinition tool = ToolDefinition.of("get_weather", "Weather for a city", SCHEMA);
    assertThat(OpenAiTokenCounter.toolJson(tool)).isEqualTo("{\"type\":\"function\",\"function\":{\"name\":"
        + "\"get_weather\",\"description\":\"Weather for a city\",\"parameters\":{\"type\":\"object\","
        + "\"properties\":{\"city\":{\"type\":\"string\"}}}}}");
    ChatRequest r = ChatRequest.builder().addUserMessage("hi").addTool(tool).build();
    assertThat(counter.countFixed(GPT_4O, r)).isEqualTo(3 + counter.countText(OpenAiTokenCounter.toolJson(tool)));
  }

  @Test
  void everyBlockKindIsCountedAsItIsSent() {
    OpenAiTokenCounter counter = OpenAiTokenCounter.o200k();
    int hello = counter.countText("hello world");
    Message assistant = Message.assistant(ContentBlock.text("hello world"), new ThinkingBlock("ponder", "sig"),
        new ToolUseBlock("call_1", "get_weather", "{\"city\":\"Paris\"}"));
    assertThat(counter.countMessage(GPT_4O, assistant)).isEqualTo(3 + 1 + hello
        + 3 + counter.countText("get_weather") + counter.countText("{\"city\":\"Paris\"}"));
    // Two tool results are two tool messages; the text beside them is a user message of its own.
    Message results = Message.user(ToolResultBlock.of("call_1", "hello world"),
        new ToolResultBlock("call_2", List.of(ContentBlock.text("hello world")), true, dev.ralex.api.CacheControl.NONE),
        ContentBlock.text("hello world"));
    assertThat(counter.countMessage(GPT_4O, results)).isEqualTo((3 + 1 + hello)
        + (3 + 1 + counter.countText(ChatCompletionsRequests.TOOL_ERROR_PREFIX) + hello) + (3 + 1 + hello));
    // Images count the most a high-detail image can cost on the model.
    Message image = Message.user(ImageBlock.base64("image/png", "AQID"));
    assertThat(counter.countMessage(GPT_4O, image)).isEqualTo(3 + 1 + 1_445);
    assertThat(counter.countMessage(model("openai/gpt-4o-mini"), image)).isEqualTo(3 + 1 + 48_169);
    assertThat(OpenAiTokenCounter.imageTokens(model("openai/gpt-4.1-nano"))).isEqualTo(3_779);
    assertThat(OpenAiTokenCounter.imageTokens(model("openai/o4-mini"))).isEqualTo(2_642);
  }

  // Code points below the surrogates: Latin, Cyrillic, Arabic, CJK and the rest of the basic plane's scripts.
  private static final Gen<String> TEXT = strings().betweenCodePoints(0x20, 0xD7FF).ofLengthBetween(1, 80)
      .mix(strings().ascii().ofLengthBetween(1, 300));

  @Test
  void theWholeIsTheFixedPartPlusEveryMessage() {
    qt().withExamples(100).forAll(lists().of(TEXT).ofSizeBetween(1, 8), integers().between(0, 2))
        .checkAssert((texts, tools) -> {
          ChatRequest.Builder b = ChatRequest.builder().system(texts.get(0));
          for (int i = 0; i < texts.size(); i++) {
            b.addMessage(switch (i % 3) {
              case 0 -> Message.user(texts.get(i));
              case 1 -> Message.assistant(ContentBlock.text(texts.get(i)),
                  new ToolUseBlock("c" + i, "t0", "{\"q\":1}"));
              default -> Message.user(ToolResultBlock.of("c" + (i - 1), texts.get(i)));
            });
          }
          for (int i = 0; i < tools; i++) {
            b.addTool(ToolDefinition.of("t" + i, "tool " + i, SCHEMA));
          }
          ChatRequest r = b.build();
          for (OpenAiTokenCounter counter : List.of(OpenAiTokenCounter.o200k(), OpenAiTokenCounter.cl100k())) {
            long sum = counter.countFixed(GPT_4O, r);
            for (Message m : r.messages()) {
              sum += counter.countMessage(GPT_4O, m);
            }
            assertThat((long) counter.countInputTokens(GPT_4O, r)).isEqualTo(sum);
          }
        });
  }

  @Test
  void theProviderCountsExactlyForOpenAiModelsAndEstimatesForOthers() {
    OpenAiCompatibleProvider provider = OpenAiCompatibleProvider.builder().id("openai")
        .baseUrl("http://127.0.0.1:9/v1").apiKey(ApiKey.of("sk-test")).build();
    ChatRequest r = ChatRequest.builder().system("Be brief.").addUserMessage("Summarise the plot of Hamlet.")
        .addTool(ToolDefinition.of("lookup", "Look a word up", SCHEMA)).build();
    assertThat(provider.estimateInputTokens(GPT_4O, r)).isEqualTo(OpenAiTokenCounter.o200k().countInputTokens(GPT_4O, r));
    assertThat(provider.estimateInputTokens(GPT_4, r)).isEqualTo(OpenAiTokenCounter.cl100k().countInputTokens(GPT_4, r));
    assertThat(provider.estimateInputTokens(Wire.LLAMA, r)).isEqualTo(TokenEstimates.estimateInputTokens(r));
  }

  @Test
  void countersAreSafeToShare() throws Exception {
    ChatRequest r = ChatRequest.of("The quick brown fox jumps over the lazy dog. 素早い茶色の狐。".repeat(20));
    int expected = OpenAiTokenCounter.o200k().countInputTokens(GPT_4O, r);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> counts = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        counts.add(pool.submit(() -> OpenAiTokenCounter.o200k().countInputTokens(GPT_4O, r)));
      }
      for (Future<Integer> count : counts) {
        assertThat(count.get()).isEqualTo(expected);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}

package dev.ralex.bench;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.Message;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.Pricing;
import dev.ralex.api.TokenEstimates;
import dev.ralex.api.ToolDefinition;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.providers.openrouter.OpenAiTokenCounter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How far {@link TokenEstimates} (the tokenizer-free estimate) is from exact counts, on a varied corpus: code,
 * prose, JSON, four non-Latin scripts and a tool-use conversation (resources under {@code corpus/}). Each text is
 * sent as one user message; the exact counts are OpenAI's tokenizers ({@code o200k_base} for GPT-4o and later,
 * {@code cl100k_base} for GPT-4) through {@link OpenAiTokenCounter}, chat-format overheads included. Claude's
 * tokenizer is not published, so no Claude column: its counts come only from Anthropic's {@code count_tokens}
 * endpoint or a response's usage, which need the network and a key.
 *
 * <p>Run: {@code mvn -q -pl ralex-bench exec:java -Dexec.mainClass=dev.ralex.bench.TokenEstimateAccuracy}. Prints
 * a Markdown table.
 */
public final class TokenEstimateAccuracy {
  private static final ModelInfo GPT_4O = model("openai/gpt-4o");
  private static final ModelInfo GPT_4 = model("openai/gpt-4-turbo");

  private TokenEstimateAccuracy() {}

  private static ModelInfo model(String id) {
    return ModelInfo.builder(id).contextWindow(128_000).maxOutputTokens(4_096).pricing(Pricing.FREE).build();
  }

  /** Prints the table. */
  public static void main(String[] args) {
    Map<String, ChatRequest> corpus = new LinkedHashMap<>();
    corpus.put("Java code", ChatRequest.of(text("java-code.txt")));
    corpus.put("Python code", ChatRequest.of(text("python-code.txt")));
    corpus.put("English prose", ChatRequest.of(text("english-prose.txt")));
    corpus.put("JSON", ChatRequest.of(text("json-data.txt")));
    corpus.put("Chinese", ChatRequest.of(text("chinese.txt")));
    corpus.put("Japanese", ChatRequest.of(text("japanese.txt")));
    corpus.put("Russian", ChatRequest.of(text("russian.txt")));
    corpus.put("Arabic", ChatRequest.of(text("arabic.txt")));
    corpus.put("Tool-use conversation", toolConversation());

    OpenAiTokenCounter o200k = OpenAiTokenCounter.o200k();
    OpenAiTokenCounter cl100k = OpenAiTokenCounter.cl100k();
    System.out.println("| Kind | Chars | o200k exact | cl100k exact | Estimate | Error vs o200k | Error vs cl100k |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|");
    long sumO = 0;
    long sumC = 0;
    long sumE = 0;
    for (Map.Entry<String, ChatRequest> e : corpus.entrySet()) {
      ChatRequest r = e.getValue();
      int exactO = o200k.countInputTokens(GPT_4O, r);
      int exactC = cl100k.countInputTokens(GPT_4, r);
      int estimate = TokenEstimates.estimateInputTokens(r);
      sumO += exactO;
      sumC += exactC;
      sumE += estimate;
      System.out.printf(Locale.ROOT, "| %s | %,d | %,d | %,d | %,d | %s | %s |%n", e.getKey(), chars(r), exactO, exactC,
          estimate, error(estimate, exactO), error(estimate, exactC));
    }
    System.out.printf(Locale.ROOT, "| All | | %,d | %,d | %,d | %s | %s |%n", sumO, sumC, sumE, error(sumE, sumO),
        error(sumE, sumC));
  }

  /** A system prompt, one tool, and a turn that calls it with JSON input and gets code back. */
  private static ChatRequest toolConversation() {
    String schema = "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\",\"description\":"
        + "\"Repository-relative path of the file to read\"},\"max_lines\":{\"type\":\"integer\"}},"
        + "\"required\":[\"path\"]}";
    return ChatRequest.builder()
        .system("You are a code reviewer. Read files with the tool before commenting, and answer in English.")
        .addTool(ToolDefinition.of("read_file", "Reads a text file from the repository under review.", schema))
        .addUserMessage("Please review the summary script in tools/temps.py and tell me whether the streak logic "
            + "is right. これは急ぎではありません。")
        .addMessage(Message.assistant(ContentBlock.text("I'll read the file first."),
            new ToolUseBlock("toolu_01", "read_file", "{\"path\":\"tools/temps.py\",\"max_lines\":200}")))
        .addMessage(Message.user(ToolResultBlock.of("toolu_01", text("python-code.txt"))))
        .addAssistantMessage("The streak logic is right: it resets to zero on a cold day and keeps the maximum. "
            + "One nit: the threshold is inclusive (>= 25.0); say so in the docstring.")
        .addUserMessage("Thanks. And the JSON export? " + text("json-data.txt"))
        .build();
  }

  private static long chars(ChatRequest r) {
    long n = r.systemText().length();
    for (Message m : r.messages()) {
      for (ContentBlock b : m.content()) {
        if (b instanceof dev.ralex.api.TextBlock t) {
          n += t.text().length();
        } else if (b instanceof ToolUseBlock u) {
          n += u.inputJson().length();
        } else if (b instanceof ToolResultBlock tr) {
          for (ContentBlock inner : tr.content()) {
            if (inner instanceof dev.ralex.api.TextBlock t) {
              n += t.text().length();
            }
          }
        }
      }
    }
    for (ToolDefinition t : r.tools()) {
      n += t.description().length() + t.inputSchemaJson().length();
    }
    return n;
  }

  private static String error(long estimate, long exact) {
    return String.format(Locale.ROOT, "%+.1f%%", 100.0 * (estimate - exact) / exact);
  }

  private static String text(String name) {
    try (InputStream in = TokenEstimateAccuracy.class.getResourceAsStream("/corpus/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no corpus text " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

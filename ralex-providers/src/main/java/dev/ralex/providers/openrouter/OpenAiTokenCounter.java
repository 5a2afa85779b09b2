package dev.ralex.providers.openrouter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ImageBlock;
import dev.ralex.api.Message;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.Role;
import dev.ralex.api.TextBlock;
import dev.ralex.api.TokenCounter;
import dev.ralex.api.ToolDefinition;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.providers.internal.Json;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Exact token counts for OpenAI's models, with OpenAI's own tokenizers (through jtokkit): {@code o200k_base} for
 * GPT-4o, GPT-4.1, GPT-4.5, GPT-5 and later, the o-series and gpt-oss, {@code cl100k_base} for GPT-4 and GPT-3.5.
 * {@link #forModel} picks the counter for a model by its name, also behind OpenRouter ({@code openai/gpt-4o}), and
 * says "not mine" (empty) for any other model.
 *
 * <p>What is counted, as the request is sent by {@link OpenAiCompatibleProvider} (see {@code
 * ChatCompletionsRequests}):
 *
 * <ul>
 *   <li>Every wire message costs 3 tokens plus its role and its content, as OpenAI documents for its chat format;
 *       the reply is primed with 3 more, once per request ({@link #countFixed}).
 *   <li>The system prompt is one {@code system} message. A Ralex user message becomes one {@code tool} message
 *       per tool result plus one {@code user} message for its text and images, each with its own overhead; an
 *       assistant message is one message, its tool calls counted by name and arguments plus 3 each.
 *   <li>Tools: the JSON of each function definition ({@code {"type":"function","function":{...}}}), as sent.
 *       OpenAI renders tools in a more compact form of its own, so this errs high, by design.
 *   <li>Images: this counter does not read image sizes, so each image counts as the most a high-detail image can
 *       cost on the model (8 tiles: 1,445 tokens on GPT-4o, 48,169 billed-equivalent tokens on GPT-4o mini,
 *       more for patch-based mini and nano models); see {@link #imageTokens}.
 *   <li>Thinking and unknown blocks are not sent in this format, and count 0.
 * </ul>
 *
 * <p>Text is exact; the framing of tool calls and the images are upper bounds. The vocabularies load on first
 * use of each encoding (a few hundred milliseconds, about 40 MB of heap for {@code o200k_base}). Immutable and
 * thread-safe: jtokkit's encodings are.
 */
public final class OpenAiTokenCounter implements TokenCounter {
  /** Tokens OpenAI's chat format adds around every message. */
  static final int PER_MESSAGE = 3;
  /** Tokens that prime the reply ({@code <|start|>assistant<|message|>}), once per request. */
  static final int REPLY_PRIMING = 3;
  /** Tokens around one tool call besides its name and arguments (an upper bound; OpenAI does not document it). */
  static final int PER_TOOL_CALL = 3;

  private static final Pattern O200K = Pattern.compile(
      "(gpt-4o|chatgpt-4o|gpt-4\\.1|gpt-4\\.5|gpt-oss|gpt-([5-9]|1[0-9])(\\.|-|$)|o[1-9][0-9]?(-|$)|codex-).*");
  private static final Pattern CL100K = Pattern.compile(
      "(gpt-4|gpt-3\\.5|gpt-35|text-embedding-3|text-embedding-ada-002).*");

  private static final OpenAiTokenCounter O200K_COUNTER = new OpenAiTokenCounter(EncodingType.O200K_BASE);
  private static final OpenAiTokenCounter CL100K_COUNTER = new OpenAiTokenCounter(EncodingType.CL100K_BASE);

  private final EncodingType type;

  private OpenAiTokenCounter(EncodingType type) {
    this.type = type;
  }

  /** The counter with {@code o200k_base} (GPT-4o and later). */
  public static OpenAiTokenCounter o200k() {
    return O200K_COUNTER;
  }

  /** The counter with {@code cl100k_base} (GPT-4, GPT-3.5). */
  public static OpenAiTokenCounter cl100k() {
    return CL100K_COUNTER;
  }

  /**
   * The counter for {@code model} if it is an OpenAI model, judged by the last path segment of its provider-side
   * id without a {@code :variant} suffix or {@code ft:} prefix ({@code gpt-4o}, {@code openai/gpt-4.1-mini},
   * {@code openai/o3:online}); empty for any other model, whose tokenizer this counter does not have.
   */
  public static Optional<OpenAiTokenCounter> forModel(ModelInfo model) {
    Objects.requireNonNull(model, "model");
    String name = baseName(model);
    if (O200K.matcher(name).matches()) {
      return Optional.of(O200K_COUNTER);
    }
    if (CL100K.matcher(name).matches()) {
      return Optional.of(CL100K_COUNTER);
    }
    return Optional.empty();
  }

  /** The model's name without provider path, fine-tune prefix or variant suffix, in lower case. */
  static String baseName(ModelInfo model) {
    String name = model.providerModelId().toLowerCase(Locale.ROOT);
    name = name.substring(name.lastIndexOf('/') + 1);
    if (name.startsWith("ft:")) {
      name = name.substring(3);
    }
    int colon = name.indexOf(':');
    return colon >= 0 ? name.substring(0, colon) : name;
  }

  /** The encoding's name: {@code o200k_base} or {@code cl100k_base}. */
  public String encodingName() {
    return type.getName();
  }

  /** The tokens of {@code text} on its own, special-token markers counted as plain text. */
  public int countText(String text) {
    Objects.requireNonNull(text, "text");
    return text.isEmpty() ? 0 : encoding().countTokensOrdinary(text);
  }

  /**
   * The tokens one image is counted as on {@code model}: an upper bound, since image sizes are not read. For
   * tile-based models, a high-detail image of at most 8 tiles of 512 px after OpenAI's scaling (base plus 8 tiles:
   * 85 + 8 x 170 on GPT-4o; 2,833 + 8 x 5,667 on GPT-4o mini, whose image tokens are multiplied to match GPT-4o's
   * price); for mini and nano models of later generations, 1,536 patches of 32 px times their multiplier (1.72 and
   * 2.46).
   */
  public static int imageTokens(ModelInfo model) {
    String name = baseName(model);
    if (name.startsWith("gpt-4o-mini")) {
      return 2_833 + 8 * 5_667;
    }
    if (name.contains("-nano")) {
      return (int) Math.ceil(1_536 * 2.46);
    }
    if (name.contains("-mini")) {
      return (int) Math.ceil(1_536 * 1.72);
    }
    return 85 + 8 * 170;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Here: the wire messages this message becomes (see the class description), each with its overhead.
   */
  @Override
  public int countMessage(ModelInfo model, Message message) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(message, "message");
    long tokens = 0;
    if (message.role() == Role.ASSISTANT) {
      tokens += PER_MESSAGE + countText("assistant");
      for (ContentBlock block : message.content()) {
        if (block instanceof TextBlock t) {
          tokens += countText(t.text());
        } else if (block instanceof ToolUseBlock u) {
          tokens += PER_TOOL_CALL + countText(u.name()) + countText(u.inputJson());
        }
      }
      return saturate(tokens);
    }
    boolean userMessage = false;
    for (ContentBlock block : message.content()) {
      if (block instanceof ToolResultBlock r) {
        tokens += PER_MESSAGE + countText("tool");
        if (r.isError()) {
          tokens += countText(ChatCompletionsRequests.TOOL_ERROR_PREFIX);
        }
        for (ContentBlock inner : r.content()) {
          if (inner instanceof TextBlock t) {
            tokens += countText(t.text());
          } else if (inner instanceof ImageBlock) {
            tokens += imageTokens(model); // Sent in a user message after the tool messages.
            userMessage = true;
          }
        }
      } else if (block instanceof TextBlock t) {
        tokens += countText(t.text());
        userMessage = true;
      } else if (block instanceof ImageBlock) {
        tokens += imageTokens(model);
        userMessage = true;
      }
    }
    if (userMessage) {
      tokens += PER_MESSAGE + countText("user");
    }
    return saturate(tokens);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Here: the reply priming, the system message if there is a system prompt, and the JSON of every tool.
   */
  @Override
  public int countFixed(ModelInfo model, ChatRequest request) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(request, "request");
    long tokens = REPLY_PRIMING;
    if (!request.system().isEmpty()) {
      tokens += PER_MESSAGE + countText("system") + countText(request.systemText());
    }
    for (ToolDefinition tool : request.tools()) {
      tokens += countText(toolJson(tool));
    }
    return saturate(tokens);
  }

  /** One tool as the request carries it: {@code {"type":"function","function":{name, description, parameters}}}. */
  static String toolJson(ToolDefinition tool) {
    ObjectNode t = Json.MAPPER.createObjectNode();
    t.put("type", "function");
    ObjectNode fn = t.putObject("function");
    fn.put("name", tool.name());
    if (!tool.description().isEmpty()) {
      fn.put("description", tool.description());
    }
    try {
      fn.set("parameters", Json.MAPPER.readTree(tool.inputSchemaJson()));
      return Json.MAPPER.writeValueAsString(t);
    } catch (JsonProcessingException e) {
      // Unreachable: ToolDefinition validated the schema as JSON. Count the text as it is.
      return t + tool.inputSchemaJson();
    }
  }

  private Encoding encoding() {
    return type == EncodingType.O200K_BASE ? O200kHolder.ENCODING : Cl100kHolder.ENCODING;
  }

  private static int saturate(long tokens) {
    return (int) Math.min(Integer.MAX_VALUE, tokens);
  }

  /** Names the encoding. */
  @Override
  public String toString() {
    return "OpenAiTokenCounter[" + encodingName() + "]";
  }

  /** Loads {@code o200k_base} on first use, once (class initialisation is thread-safe). */
  private static final class O200kHolder {
    static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
  }

  /** Loads {@code cl100k_base} on first use, once. */
  private static final class Cl100kHolder {
    static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
  }
}

package dev.ralex.examples.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ImageBlock;
import dev.ralex.api.Message;
import dev.ralex.api.Role;
import dev.ralex.api.StopReason;
import dev.ralex.api.TextBlock;
import dev.ralex.api.ToolChoice;
import dev.ralex.api.ToolDefinition;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.api.Usage;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The OpenAI chat completions wire format to Ralex's types and back. Stateless.
 *
 * <p>Requests: {@code system} and {@code developer} messages become the system prompt (in order, wherever they
 * stand); {@code user} content is a string or parts ({@code text}, {@code image_url} with a {@code data:} URL or
 * an http(s) URL); {@code assistant} messages carry text and {@code tool_calls}; {@code tool} messages become
 * tool results. Consecutive messages of the same Ralex role are merged into one, since tool results and the
 * user's next words travel together in one user message. {@code tools} (functions), {@code tool_choice} ({@code
 * none}, {@code auto}, {@code required}, or a named function), {@code parallel_tool_calls}, {@code
 * max_completion_tokens} (else {@code max_tokens}), {@code temperature}, {@code top_p} and {@code stop} map to the
 * request's fields. {@code n} other than 1 is refused; other fields ({@code user}, {@code seed}, {@code
 * response_format}, {@code logprobs}...) are ignored.
 */
final class OpenAiMapping {
  /** What {@code "model"} says to let Ralex's selector choose. */
  static final String AUTO = "auto";

  private OpenAiMapping() {}

  /** A parsed chat completions request: what Ralex is asked, and how the answer is to be sent. */
  record Parsed(ChatRequest request, boolean stream, boolean includeUsage) {}

  /**
   * Maps an OpenAI chat completions body to a Ralex request tagged with {@code tags}.
   *
   * @param models the ids of the models the gateway's Ralex can call
   * @throws OpenAiError 400 for a malformed or unsupported request, 404 for an unknown model
   */
  static Parsed request(ObjectNode body, Set<String> models, Map<String, String> tags) {
    ChatRequest.Builder b = ChatRequest.builder().tags(tags);
    JsonNode model = body.get("model");
    if (model != null && !model.isNull()) {
      if (!model.isTextual()) {
        throw OpenAiError.invalid("model", "'model' must be a string");
      }
      String id = model.asText().strip();
      if (!id.isEmpty() && !id.equalsIgnoreCase(AUTO)) {
        if (!models.contains(id)) {
          throw OpenAiError.unknownModel(id);
        }
        b.model(id);
      }
    }
    JsonNode n = body.get("n");
    if (n != null && !n.isNull() && !(n.canConvertToInt() && n.asInt() == 1)) {
      throw OpenAiError.invalid("n", "Only n=1 is supported by this gateway");
    }
    messages(body.get("messages"), b);
    tools(body, b);
    JsonNode max = present(body, "max_completion_tokens") ? body.get("max_completion_tokens")
        : body.get("max_tokens");
    if (max != null && !max.isNull()) {
      if (!max.canConvertToInt() || max.asInt() < 1 || !max.isIntegralNumber()) {
        throw OpenAiError.invalid(present(body, "max_completion_tokens") ? "max_completion_tokens" : "max_tokens",
            "must be a positive integer");
      }
      b.maxOutputTokens(max.asInt());
    }
    b.temperature(number(body, "temperature"));
    b.topP(number(body, "top_p"));
    JsonNode stop = body.get("stop");
    if (stop != null && !stop.isNull()) {
      List<String> stops = new ArrayList<>();
      if (stop.isTextual()) {
        stops.add(stop.asText());
      } else if (stop.isArray()) {
        for (JsonNode s : stop) {
          if (!s.isTextual()) {
            throw OpenAiError.invalid("stop", "'stop' must be a string or an array of strings");
          }
          stops.add(s.asText());
        }
      } else {
        throw OpenAiError.invalid("stop", "'stop' must be a string or an array of strings");
      }
      b.stopSequences(stops);
    }
    JsonNode stream = body.get("stream");
    if (stream != null && !stream.isNull() && !stream.isBoolean()) {
      throw OpenAiError.invalid("stream", "'stream' must be a boolean");
    }
    boolean streaming = stream != null && stream.asBoolean(false);
    boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
    try {
      return new Parsed(b.build(), streaming, includeUsage);
    } catch (IllegalArgumentException e) {
      // ChatRequest's own checks: ranges of temperature and top_p, tool choice against the tools, and so on.
      throw OpenAiError.invalid(null, e.getMessage());
    }
  }

  private static boolean present(JsonNode body, String field) {
    return body.has(field) && !body.get(field).isNull();
  }

  private static Double number(JsonNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isNumber()) {
      throw OpenAiError.invalid(field, "'" + field + "' must be a number");
    }
    return node.asDouble();
  }

  private static void messages(JsonNode messages, ChatRequest.Builder b) {
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw OpenAiError.invalid("messages", "'messages' must be a non-empty array");
    }
    List<TextBlock> system = new ArrayList<>();
    List<ContentBlock> pending = new ArrayList<>();
    Role pendingRole = null;
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      String where = "messages[" + i + "]";
      if (!m.isObject()) {
        throw OpenAiError.invalid(where, where + " must be an object");
      }
      String role = m.path("role").asText("");
      List<ContentBlock> blocks = new ArrayList<>();
      Role ralexRole;
      try {
        switch (role) {
          case "system":
          case "developer":
            for (ContentBlock block : content(m.get("content"), where, false)) {
              system.add((TextBlock) block);
            }
            continue;
          case "user":
            ralexRole = Role.USER;
            blocks.addAll(content(m.get("content"), where, true));
            break;
          case "assistant":
            ralexRole = Role.ASSISTANT;
            JsonNode content = m.get("content");
            if (content != null && !content.isNull()) {
              blocks.addAll(content(content, where, false));
            }
            for (JsonNode call : m.path("tool_calls")) {
              JsonNode function = call.path("function");
              String arguments = function.path("arguments").asText("");
              blocks.add(new ToolUseBlock(call.path("id").asText(""), function.path("name").asText(""),
                  arguments.isBlank() ? "{}" : arguments));
            }
            break;
          case "tool":
            ralexRole = Role.USER;
            List<ContentBlock> result = content(m.get("content"), where, false);
            blocks.add(new ToolResultBlock(m.path("tool_call_id").asText(""), result, false,
                dev.ralex.api.CacheControl.NONE));
            break;
          default:
            throw OpenAiError.invalid(where + ".role", "Unsupported role '" + role + "' in " + where
                + "; use system, developer, user, assistant or tool");
        }
      } catch (IllegalArgumentException e) {
        throw OpenAiError.invalid(where, where + ": " + e.getMessage());
      }
      // A message with nothing but empty text (an assistant's "" before its tool calls were stripped) is skipped.
      if (blocks.isEmpty()) {
        continue;
      }
      if (ralexRole != pendingRole && !pending.isEmpty()) {
        b.addMessage(new Message(pendingRole, pending));
        pending = new ArrayList<>();
      }
      pendingRole = ralexRole;
      pending.addAll(blocks);
    }
    if (pending.isEmpty()) {
      throw OpenAiError.invalid("messages", "'messages' needs at least one user or assistant message");
    }
    b.addMessage(new Message(pendingRole, pending));
    b.systemBlocks(system);
  }

  /** A message's content: a string, or an array of parts ({@code image_url} only where images are allowed). */
  private static List<ContentBlock> content(JsonNode content, String where, boolean images) {
    List<ContentBlock> blocks = new ArrayList<>();
    if (content == null || content.isNull()) {
      throw OpenAiError.invalid(where + ".content", where + " needs 'content'");
    }
    if (content.isTextual()) {
      if (!content.asText().isEmpty()) { // Ralex's text blocks are never empty; "" is nothing to send.
        blocks.add(ContentBlock.text(content.asText()));
      }
      return blocks;
    }
    if (!content.isArray()) {
      throw OpenAiError.invalid(where + ".content", where + ".content must be a string or an array of parts");
    }
    for (JsonNode part : content) {
      String type = part.path("type").asText("");
      if (type.equals("text")) {
        String text = part.path("text").asText("");
        if (!text.isEmpty()) {
          blocks.add(ContentBlock.text(text));
        }
      } else if (type.equals("image_url") && images) {
        JsonNode image = part.path("image_url");
        blocks.add(image(image.isTextual() ? image.asText() : image.path("url").asText(""), where));
      } else {
        throw OpenAiError.invalid(where + ".content", "Unsupported content part type '" + type + "' in " + where
            + (images ? "; use text or image_url" : "; use text"));
      }
    }
    return blocks;
  }

  /** An image from a {@code data:} URL (inline) or an http(s) URL (fetched by the provider). */
  static ImageBlock image(String url, String where) {
    if (url.startsWith("data:")) {
      int comma = url.indexOf(',');
      String header = comma < 0 ? "" : url.substring(5, comma);
      if (comma < 0 || !header.endsWith(";base64")) {
        throw OpenAiError.invalid(where + ".content", "an image data URL must be 'data:<type>;base64,<data>'");
      }
      return ImageBlock.base64(header.substring(0, header.length() - 7).toLowerCase(Locale.ROOT),
          url.substring(comma + 1));
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw OpenAiError.invalid(where + ".content", "the image URL is not a valid URL");
    }
    String path = uri.getPath() == null ? "" : uri.getPath().toLowerCase(Locale.ROOT);
    String type = path.endsWith(".png") ? "image/png" : path.endsWith(".gif") ? "image/gif"
        : path.endsWith(".webp") ? "image/webp" : "image/jpeg";
    return ImageBlock.url(type, uri);
  }

  private static void tools(JsonNode body, ChatRequest.Builder b) {
    JsonNode tools = body.get("tools");
    if (tools != null && !tools.isNull()) {
      if (!tools.isArray()) {
        throw OpenAiError.invalid("tools", "'tools' must be an array");
      }
      for (int i = 0; i < tools.size(); i++) {
        JsonNode tool = tools.get(i);
        String where = "tools[" + i + "]";
        if (!"function".equals(tool.path("type").asText("function"))) {
          throw OpenAiError.invalid(where + ".type", "Only function tools are supported");
        }
        JsonNode function = tool.path("function");
        JsonNode parameters = function.path("parameters");
        String schema = parameters.isObject() ? parameters.toString() : "{\"type\":\"object\",\"properties\":{}}";
        try {
          b.addTool(ToolDefinition.of(function.path("name").asText(""), function.path("description").asText(""),
              schema));
        } catch (IllegalArgumentException e) {
          throw OpenAiError.invalid(where, where + ": " + e.getMessage());
        }
      }
    }
    JsonNode choice = body.get("tool_choice");
    ToolChoice toolChoice = ToolChoice.AUTO;
    if (choice != null && !choice.isNull()) {
      if (choice.isTextual()) {
        switch (choice.asText()) {
          case "none":
            toolChoice = ToolChoice.NONE;
            break;
          case "auto":
            toolChoice = ToolChoice.AUTO;
            break;
          case "required":
            toolChoice = ToolChoice.ANY;
            break;
          default:
            throw OpenAiError.invalid("tool_choice", "'tool_choice' must be none, auto, required or a function");
        }
      } else if (choice.path("function").path("name").isTextual()) {
        toolChoice = ToolChoice.tool(choice.path("function").path("name").asText());
      } else {
        throw OpenAiError.invalid("tool_choice", "'tool_choice' must be none, auto, required or a function");
      }
    }
    if (body.path("parallel_tool_calls").isBoolean() && !body.path("parallel_tool_calls").asBoolean()
        && toolChoice.mode() != ToolChoice.Mode.NONE) {
      toolChoice = toolChoice.withParallelToolUseDisabled();
    }
    b.toolChoice(toolChoice);
  }

  // ------------------------------------------------------------------------------------------------ responses

  /** OpenAI's finish reason for a Ralex stop reason. */
  static String finishReason(StopReason stop) {
    if (StopReason.MAX_TOKENS.equals(stop)) {
      return "length";
    }
    if (StopReason.TOOL_USE.equals(stop)) {
      return "tool_calls";
    }
    return "stop";
  }

  /** A {@code chat.completion} object for a Ralex answer. */
  static ObjectNode completion(JsonMapper json, String id, long created, ChatResponse response) {
    ObjectNode completion = envelope(json, id, created, response.model(), "chat.completion");
    ObjectNode choice = completion.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode message = choice.putObject("message").put("role", "assistant");
    List<ToolUseBlock> uses = response.toolUses();
    String text = response.text();
    if (text.isEmpty() && !uses.isEmpty()) {
      message.putNull("content");
    } else {
      message.put("content", text);
    }
    message.putNull("refusal");
    if (!uses.isEmpty()) {
      ArrayNode calls = message.putArray("tool_calls");
      for (ToolUseBlock use : uses) {
        toolCall(calls.addObject(), use);
      }
    }
    choice.putNull("logprobs");
    choice.put("finish_reason", finishReason(response.stopReason()));
    usage(completion.putObject("usage"), response.usage());
    return completion;
  }

  static void toolCall(ObjectNode call, ToolUseBlock use) {
    call.put("id", use.id()).put("type", "function");
    call.putObject("function").put("name", use.name()).put("arguments", use.inputJson());
  }

  /** The fields every completion and chunk has. */
  static ObjectNode envelope(JsonMapper json, String id, long created, String model, String object) {
    return json.createObjectNode().put("id", id).put("object", object).put("created", created).put("model", model);
  }

  /**
   * OpenAI's usage: {@code prompt_tokens} counts everything the model read (uncached, cache reads and cache
   * writes), with the cache reads again in {@code prompt_tokens_details.cached_tokens}.
   */
  static void usage(ObjectNode node, Usage usage) {
    node.put("prompt_tokens", usage.totalInputTokens())
        .put("completion_tokens", usage.outputTokens())
        .put("total_tokens", usage.totalTokens());
    node.putObject("prompt_tokens_details").put("cached_tokens", usage.cacheReadTokens());
  }
}

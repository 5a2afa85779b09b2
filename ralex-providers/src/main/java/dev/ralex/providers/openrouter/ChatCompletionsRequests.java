package dev.ralex.providers.openrouter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ralex.api.Capability;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.ImageBlock;
import dev.ralex.api.InvalidRequestException;
import dev.ralex.api.Message;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.Role;
import dev.ralex.api.TextBlock;
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.ToolChoice;
import dev.ralex.api.ToolDefinition;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.providers.internal.Json;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the JSON body of an OpenAI-style {@code POST /chat/completions} request from a Ralex {@link ChatRequest}.
 * Stateless and thread-safe.
 *
 * <p>Mapping rules, where the two formats differ:
 *
 * <ul>
 *   <li>The system prompt becomes one leading {@code system} message (its blocks joined by blank lines): the
 *       OpenAI format has no cache breakpoints on system text, so splitting it buys nothing.
 *   <li>Ralex carries tool results in USER messages as {@link ToolResultBlock}s (the Anthropic convention). Each
 *       becomes its own {@code role: tool} message with {@code tool_call_id}, emitted before the rest of that user
 *       message, because the OpenAI format requires tool messages to follow the assistant's {@code tool_calls}
 *       directly. Tool messages carry text only: a failed result ({@code isError}) is marked by the prefix
 *       {@value #TOOL_ERROR_PREFIX} since the format has no error flag, and images inside a result follow the
 *       tool messages in a user message of their own.
 *   <li>{@link ThinkingBlock}s and {@code OtherBlock}s in the history are dropped (logged at DEBUG, without
 *       content): the plain chat-completions format has no field for them that every compatible server accepts,
 *       and a model answers correctly without its earlier reasoning.
 *   <li>Cache breakpoints ({@code CacheControl}) are ignored: OpenAI-style servers cache prefixes automatically.
 * </ul>
 */
final class ChatCompletionsRequests {
  private static final Logger LOG = LoggerFactory.getLogger(ChatCompletionsRequests.class);

  /** Prepended to the text of a tool result whose {@code isError} is set. */
  static final String TOOL_ERROR_PREFIX = "[tool error] ";

  private ChatCompletionsRequests() {}

  /**
   * The request body.
   *
   * @param settings the endpoint's settings (which optional fields it accepts)
   * @param stream whether to ask for a server-sent-event stream
   * @throws InvalidRequestException before anything is sent, if the request uses something the model or the
   *     endpoint does not accept
   */
  static ObjectNode body(OpenAiCompatibleProvider.Settings settings, ModelInfo model, ChatRequest request,
      boolean stream) {
    ErrorDetails details = ErrorDetails.of(settings.id());
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("model", model.providerModelId());
    body.set("messages", messages(request));
    if (!request.tools().isEmpty()) {
      ArrayNode tools = body.putArray("tools");
      for (ToolDefinition tool : request.tools()) {
        ObjectNode t = tools.addObject();
        t.put("type", "function");
        ObjectNode fn = t.putObject("function");
        fn.put("name", tool.name());
        if (!tool.description().isEmpty()) {
          fn.put("description", tool.description());
        }
        fn.set("parameters", parseObject(tool.inputSchemaJson(), "input schema of tool '" + tool.name() + "'"));
      }
      ToolChoice choice = request.toolChoice();
      switch (choice.mode()) {
        case AUTO:
          body.put("tool_choice", "auto");
          break;
        case NONE:
          body.put("tool_choice", "none");
          break;
        case ANY:
          body.put("tool_choice", "required");
          break;
        case TOOL:
          ObjectNode forced = body.putObject("tool_choice");
          forced.put("type", "function");
          forced.putObject("function").put("name", choice.toolName());
          break;
        default:
          throw new IllegalStateException("unknown tool choice mode " + choice.mode());
      }
      if (choice.disableParallelToolUse()) {
        body.put("parallel_tool_calls", false);
      }
    }
    request.maxOutputTokens().ifPresent(max -> body.put(settings.maxTokensField(), max));
    boolean sampling = request.temperature().isPresent() || request.topP().isPresent() || request.topK().isPresent();
    if (sampling && !model.has(Capability.SAMPLING_PARAMETERS)) {
      // Fail fast with a clear message rather than a 400 from the server after a network round trip.
      throw new InvalidRequestException("model " + model.id() + " does not accept sampling parameters "
          + "(temperature, top_p, top_k); remove them from the request", details);
    }
    request.temperature().ifPresent(t -> body.put("temperature", t));
    request.topP().ifPresent(p -> body.put("top_p", p));
    if (request.topK().isPresent()) {
      if (!settings.topK()) {
        throw new InvalidRequestException("the " + settings.id() + " endpoint does not accept top_k; remove it "
            + "from the request", details);
      }
      body.put("top_k", request.topK().getAsInt());
    }
    if (!request.stopSequences().isEmpty()) {
      ArrayNode stop = body.putArray("stop");
      request.stopSequences().forEach(stop::add);
    }
    body.put("stream", stream);
    if (stream && settings.streamUsage()) {
      // Plain OpenAI-compatible servers send usage in a streamed answer only when asked.
      body.putObject("stream_options").put("include_usage", true);
    }
    return body;
  }

  private static ArrayNode messages(ChatRequest request) {
    ArrayNode out = Json.MAPPER.createArrayNode();
    if (!request.system().isEmpty()) {
      out.addObject().put("role", "system").put("content", request.systemText());
    }
    for (Message message : request.messages()) {
      if (message.role() == Role.ASSISTANT) {
        assistant(message, out);
      } else {
        user(message, out);
      }
    }
    return out;
  }

  private static void assistant(Message message, ArrayNode out) {
    StringBuilder text = new StringBuilder();
    List<ToolUseBlock> calls = new ArrayList<>();
    for (ContentBlock block : message.content()) {
      if (block instanceof TextBlock t) {
        text.append(t.text());
      } else if (block instanceof ToolUseBlock u) {
        calls.add(u);
      } else {
        dropped(block);
      }
    }
    ObjectNode m = out.addObject();
    m.put("role", "assistant");
    if (text.length() > 0) {
      m.put("content", text.toString());
    } else if (!calls.isEmpty()) {
      m.putNull("content"); // As OpenAI's own clients send a tool-calling turn without text.
    } else {
      m.put("content", ""); // Only dropped blocks: keep the turn so roles still alternate.
    }
    if (!calls.isEmpty()) {
      ArrayNode toolCalls = m.putArray("tool_calls");
      for (ToolUseBlock call : calls) {
        ObjectNode c = toolCalls.addObject();
        c.put("id", call.id());
        c.put("type", "function");
        ObjectNode fn = c.putObject("function");
        fn.put("name", call.name());
        fn.put("arguments", call.inputJson()); // A JSON string, not an object, in this format.
      }
    }
  }

  private static void user(Message message, ArrayNode out) {
    List<ContentBlock> rest = new ArrayList<>();
    List<ImageBlock> resultImages = new ArrayList<>();
    for (ContentBlock block : message.content()) {
      if (block instanceof ToolResultBlock r) {
        StringBuilder text = new StringBuilder();
        if (r.isError()) {
          text.append(TOOL_ERROR_PREFIX);
        }
        for (ContentBlock inner : r.content()) {
          if (inner instanceof TextBlock t) {
            text.append(t.text());
          } else if (inner instanceof ImageBlock image) {
            resultImages.add(image);
          }
        }
        out.addObject().put("role", "tool").put("tool_call_id", r.toolUseId()).put("content", text.toString());
      } else if (block instanceof TextBlock || block instanceof ImageBlock) {
        rest.add(block);
      } else {
        dropped(block);
      }
    }
    List<ContentBlock> userContent = new ArrayList<>(resultImages);
    userContent.addAll(rest);
    if (userContent.isEmpty()) {
      return;
    }
    ObjectNode m = out.addObject();
    m.put("role", "user");
    if (userContent.size() == 1 && userContent.get(0) instanceof TextBlock t) {
      m.put("content", t.text()); // The plain string form: accepted by every compatible server, even text-only.
      return;
    }
    ArrayNode parts = m.putArray("content");
    for (ContentBlock block : userContent) {
      if (block instanceof TextBlock t) {
        parts.addObject().put("type", "text").put("text", t.text());
      } else {
        ImageBlock image = (ImageBlock) block;
        String url = image.url() != null ? image.url().toString()
            : "data:" + image.mediaType() + ";base64," + image.base64Data();
        parts.addObject().put("type", "image_url").putObject("image_url").put("url", url);
      }
    }
  }

  private static void dropped(ContentBlock block) {
    if (LOG.isDebugEnabled()) {
      // The kind only: block content may hold user data.
      LOG.debug("dropping a {} block from the history: the chat-completions format has no place for it",
          block.type());
    }
  }

  private static ObjectNode parseObject(String json, String what) {
    try {
      return (ObjectNode) Json.MAPPER.readTree(json);
    } catch (JsonProcessingException | ClassCastException e) {
      // Unreachable for validated values (ToolDefinition checks its schema), kept as a clear failure.
      throw new IllegalArgumentException(what + " is not a JSON object", e);
    }
  }
}

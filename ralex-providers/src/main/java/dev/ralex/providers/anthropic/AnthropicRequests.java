package dev.ralex.providers.anthropic;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.ralex.api.CacheControl;
import dev.ralex.api.Capability;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.ImageBlock;
import dev.ralex.api.InvalidRequestException;
import dev.ralex.api.Message;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.OtherBlock;
import dev.ralex.api.Role;
import dev.ralex.api.TextBlock;
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.ToolChoice;
import dev.ralex.api.ToolDefinition;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.providers.internal.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Checks a request against what the model and the API version accept, and writes it as the JSON body of {@code
 * POST /v1/messages} with Jackson's streaming generator: no intermediate tree, and tool schemas, tool inputs and
 * unknown blocks copied as the raw JSON text the api types already validated. Stateless and thread-safe.
 */
final class AnthropicRequests {
  /** The output limit sent when the request sets none: Ralex's own default, so both paths agree. */
  static final int DEFAULT_MAX_TOKENS = 4096;

  private AnthropicRequests() {}

  /** The {@code max_tokens} to send: the request's, else the smaller of 4,096 and the model's limit. */
  static int maxTokens(ModelInfo model, ChatRequest request) {
    return request.maxOutputTokens().orElse(Math.min(DEFAULT_MAX_TOKENS, model.maxOutputTokens()));
  }

  /**
   * Refuses, before anything is sent, a request the model or the API version would reject with a 400.
   *
   * @throws InvalidRequestException saying what to change
   */
  static void check(ModelInfo model, ChatRequest request, AnthropicVersion version) {
    boolean sampling = request.temperature().isPresent() || request.topP().isPresent() || request.topK().isPresent();
    if (sampling) {
      if (!version.acceptsSamplingParameters()) {
        throw invalid("anthropic-version " + version + " removed temperature, top_p and top_k (any value is a 400);"
            + " leave them unset, or configure the provider with version " + AnthropicVersion.V2023_06_01
            + " to send them to models that accept them");
      }
      if (!model.has(Capability.SAMPLING_PARAMETERS)) {
        throw invalid("model " + model.id() + " does not accept temperature, top_p or top_k (its catalog entry lacks "
            + "sampling_parameters); leave them unset");
      }
      if (request.temperature().isPresent() && request.temperature().getAsDouble() > 1.0) {
        throw invalid("Anthropic accepts temperature in [0, 1] but the request has "
            + request.temperature().getAsDouble());
      }
    }
    if (!version.acceptsAssistantDocuments()) {
      for (Message message : request.messages()) {
        if (message.role() == Role.ASSISTANT) {
          for (ContentBlock block : message.content()) {
            if (block instanceof OtherBlock o && o.type().equals("document")) {
              throw invalid("anthropic-version " + version + " rejects document blocks in assistant messages;"
                  + " move the document to a user message");
            }
          }
        }
      }
    }
  }

  private static InvalidRequestException invalid(String message) {
    return new InvalidRequestException(message, ErrorDetails.of(AnthropicProvider.ID));
  }

  /** The request body for {@code model}; {@code stream} adds {@code "stream": true}. */
  static byte[] write(ModelInfo model, ChatRequest request, boolean stream) {
    return write(model, request, stream, false);
  }

  /**
   * The body of {@code POST /v1/messages/count_tokens}: what a message request carries that is counted (model,
   * system, messages, tools, tool choice), without the fields that endpoint refuses ({@code max_tokens}, {@code
   * stream}, stop sequences, sampling parameters, metadata).
   */
  static byte[] writeCountTokens(ModelInfo model, ChatRequest request) {
    return write(model, request, false, true);
  }

  private static byte[] write(ModelInfo model, ChatRequest request, boolean stream, boolean countOnly) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(estimateSize(request));
    try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeStringField("model", model.providerModelId());
      if (!countOnly) {
        g.writeNumberField("max_tokens", maxTokens(model, request));
      }
      writeSystem(g, request.system());
      g.writeArrayFieldStart("messages");
      for (Message message : request.messages()) {
        g.writeStartObject();
        g.writeStringField("role", message.role() == Role.USER ? "user" : "assistant");
        g.writeFieldName("content");
        List<ContentBlock> content = message.content();
        if (content.size() == 1 && content.get(0) instanceof TextBlock t && t.cacheControl() == CacheControl.NONE) {
          g.writeString(t.text()); // The short form, as the API's own examples send a plain turn.
        } else {
          writeBlocks(g, content);
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      writeTools(g, request);
      if (countOnly) {
        g.writeEndObject();
        g.flush();
        return out.toByteArray();
      }
      if (!request.stopSequences().isEmpty()) {
        g.writeArrayFieldStart("stop_sequences");
        for (String stop : request.stopSequences()) {
          g.writeString(stop);
        }
        g.writeEndArray();
      }
      if (request.temperature().isPresent()) {
        g.writeNumberField("temperature", request.temperature().getAsDouble());
      }
      if (request.topP().isPresent()) {
        g.writeNumberField("top_p", request.topP().getAsDouble());
      }
      if (request.topK().isPresent()) {
        g.writeNumberField("top_k", request.topK().getAsInt());
      }
      AnthropicOptions options = request.option(AnthropicOptions.class).orElse(null);
      if (options != null) {
        g.writeObjectFieldStart("metadata");
        g.writeStringField("user_id", options.userId());
        g.writeEndObject();
      }
      if (stream) {
        g.writeBooleanField("stream", true);
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    return out.toByteArray();
  }

  private static void writeSystem(JsonGenerator g, List<TextBlock> system) throws IOException {
    if (system.isEmpty()) {
      return;
    }
    if (system.size() == 1 && system.get(0).cacheControl() == CacheControl.NONE) {
      g.writeStringField("system", system.get(0).text());
      return;
    }
    g.writeArrayFieldStart("system");
    for (TextBlock block : system) {
      writeBlock(g, block);
    }
    g.writeEndArray();
  }

  private static void writeTools(JsonGenerator g, ChatRequest request) throws IOException {
    List<ToolDefinition> tools = request.tools();
    if (!tools.isEmpty()) {
      g.writeArrayFieldStart("tools");
      for (ToolDefinition tool : tools) {
        g.writeStartObject();
        g.writeStringField("name", tool.name());
        if (!tool.description().isEmpty()) {
          g.writeStringField("description", tool.description());
        }
        g.writeFieldName("input_schema");
        g.writeRawValue(tool.inputSchemaJson()); // Validated as a JSON object by ToolDefinition.
        writeCacheControl(g, tool.cacheControl());
        g.writeEndObject();
      }
      g.writeEndArray();
    }
    ToolChoice choice = request.toolChoice();
    // Without tools, "auto" and "none" mean the same as nothing (ANY and TOOL cannot be built without tools).
    // With tools the choice is always sent, "auto" included, as the API's own examples do.
    if (tools.isEmpty()) {
      return;
    }
    g.writeObjectFieldStart("tool_choice");
    switch (choice.mode()) {
      case AUTO:
        g.writeStringField("type", "auto");
        break;
      case ANY:
        g.writeStringField("type", "any");
        break;
      case TOOL:
        g.writeStringField("type", "tool");
        g.writeStringField("name", choice.toolName());
        break;
      case NONE:
      default:
        g.writeStringField("type", "none");
        break;
    }
    if (choice.disableParallelToolUse() && choice.mode() != ToolChoice.Mode.NONE) {
      g.writeBooleanField("disable_parallel_tool_use", true);
    }
    g.writeEndObject();
  }

  private static void writeBlocks(JsonGenerator g, List<ContentBlock> blocks) throws IOException {
    g.writeStartArray();
    for (ContentBlock block : blocks) {
      writeBlock(g, block);
    }
    g.writeEndArray();
  }

  private static void writeBlock(JsonGenerator g, ContentBlock block) throws IOException {
    if (block instanceof OtherBlock o) {
      g.writeRawValue(o.rawJson()); // Passed through as received, validated as a JSON object by OtherBlock.
      return;
    }
    g.writeStartObject();
    g.writeStringField("type", block.type());
    if (block instanceof TextBlock t) {
      g.writeStringField("text", t.text());
      writeCacheControl(g, t.cacheControl());
    } else if (block instanceof ImageBlock image) {
      g.writeObjectFieldStart("source");
      if (image.url() != null) {
        g.writeStringField("type", "url");
        g.writeStringField("url", image.url().toString());
      } else {
        g.writeStringField("type", "base64");
        g.writeStringField("media_type", image.mediaType());
        g.writeStringField("data", image.base64Data());
      }
      g.writeEndObject();
      writeCacheControl(g, image.cacheControl());
    } else if (block instanceof ToolUseBlock u) {
      g.writeStringField("id", u.id());
      g.writeStringField("name", u.name());
      g.writeFieldName("input");
      g.writeRawValue(u.inputJson()); // Validated as a JSON object by ToolUseBlock.
    } else if (block instanceof ToolResultBlock r) {
      g.writeStringField("tool_use_id", r.toolUseId());
      List<ContentBlock> content = r.content();
      if (content.size() == 1 && content.get(0) instanceof TextBlock t && t.cacheControl() == CacheControl.NONE) {
        g.writeStringField("content", t.text()); // The short form for the common one-text result.
      } else if (!content.isEmpty()) {
        g.writeFieldName("content");
        writeBlocks(g, content);
      }
      if (r.isError()) {
        g.writeBooleanField("is_error", true);
      }
      writeCacheControl(g, r.cacheControl());
    } else if (block instanceof ThinkingBlock t) {
      g.writeStringField("thinking", t.thinking());
      g.writeStringField("signature", t.signature());
    }
    g.writeEndObject();
  }

  private static void writeCacheControl(JsonGenerator g, CacheControl cacheControl) throws IOException {
    if (cacheControl == CacheControl.NONE) {
      return;
    }
    g.writeObjectFieldStart("cache_control");
    g.writeStringField("type", "ephemeral");
    if (cacheControl == CacheControl.EPHEMERAL_1H) {
      g.writeStringField("ttl", "1h");
    }
    g.writeEndObject();
  }

  /** A first guess at the body's size, so the buffer rarely grows: the text is most of it. */
  private static int estimateSize(ChatRequest request) {
    long chars = 256;
    for (TextBlock t : request.system()) {
      chars += t.text().length() + 64;
    }
    for (Message m : request.messages()) {
      for (ContentBlock b : m.content()) {
        chars += 64 + (b instanceof TextBlock t ? t.text().length()
            : b instanceof ImageBlock i && i.base64Data() != null ? i.base64Data().length() : 256);
      }
    }
    for (ToolDefinition t : request.tools()) {
      chars += 64 + t.description().length() + t.inputSchemaJson().length();
    }
    return (int) Math.min(chars + chars / 8, 1 << 24);
  }
}

package dev.ralex.providers.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.LlmException;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.OtherBlock;
import dev.ralex.api.ProviderException;
import dev.ralex.api.RateLimitInfo;
import dev.ralex.api.StopReason;
import dev.ralex.api.TextBlock;
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.api.Usage;
import dev.ralex.providers.internal.Failures;
import dev.ralex.providers.internal.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps the Messages API's JSON to Ralex's types: messages, content blocks, usage, stop reasons and error bodies.
 * Shared by the blocking and the streaming paths so that both build the same response from the same content.
 * Unknown fields are ignored and unknown block types kept as {@link OtherBlock}. Stateless and thread-safe.
 */
final class AnthropicResponses {
  /** Anthropic's prefix of its rate-limit headers. */
  static final String RATE_LIMIT_PREFIX = "anthropic-ratelimit-";

  private AnthropicResponses() {}

  /**
   * The JSON of a whole response's body, once the status says it is one: an error status, an error object under
   * a success status (some gateways do this), an empty body and invalid JSON all throw, classified as the
   * Messages API's errors are.
   *
   * @param body the body; for an error status, its prefix up to the error-body limit
   */
  static JsonNode json(int status, okhttp3.Headers headers, String body, ErrorDetails details,
      java.time.Clock clock, String secret) {
    if (status < 200 || status >= 300) {
      throw httpError(status, body, headers.get("content-type"),
          dev.ralex.providers.internal.RetryHints.retryAfter(headers, clock), details, secret);
    }
    if (body.isBlank()) {
      throw malformed("HTTP " + status + " with an empty body", details, null);
    }
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw malformed("the body is not valid JSON (" + e.getOriginalMessage() + ")", details, null);
    }
    if (root != null && root.isObject() && "error".equals(text(root, "type"))) {
      String type = text(root.path("error"), "type");
      throw httpError(statusOf(type), body, "application/json",
          dev.ralex.providers.internal.RetryHints.retryAfter(headers, clock), details, secret);
    }
    return root;
  }

  /**
   * The response for a {@code message} object.
   *
   * @throws ProviderException if the message is not one (no content array, a malformed block)
   */
  static ChatResponse message(JsonNode root, ModelInfo model, String requestId, RateLimitInfo rateLimits,
      String rawBody, ErrorDetails details) {
    if (!root.isObject()) {
      throw malformed("the body is not a JSON object", details, null);
    }
    JsonNode content = root.get("content");
    if (content == null || !content.isArray()) {
      throw malformed("the message has no content array", details, null);
    }
    List<ContentBlock> blocks = new ArrayList<>(content.size());
    for (JsonNode node : content) {
      ContentBlock block = block(node, details);
      if (block != null) {
        blocks.add(block);
      }
    }
    return ChatResponse.builder()
        .id(text(root, "id"))
        .content(blocks)
        .model(model.id())
        .provider(AnthropicProvider.ID)
        .usage(usage(root.get("usage"), Usage.ZERO, details))
        .stopReason(stopReason(root.get("stop_reason")))
        .providerRequestId(requestId)
        .providerModel(nonBlank(text(root, "model")))
        .rateLimits(rateLimits)
        .rawBody(rawBody)
        .build();
  }

  /**
   * One content block of a complete message, or null for an empty text block (which Ralex's {@link TextBlock}
   * cannot hold, and which carries nothing; the streaming path drops it too).
   */
  static ContentBlock block(JsonNode node, ErrorDetails details) {
    if (!node.isObject()) {
      throw malformed("a content block is not a JSON object", details, null);
    }
    String type = text(node, "type");
    try {
      switch (type) {
        case "text": {
          String text = text(node, "text");
          return text.isEmpty() ? null : ContentBlock.text(text);
        }
        case "tool_use": {
          JsonNode input = node.get("input");
          if (input == null || !input.isObject()) {
            throw malformed("tool_use block " + text(node, "id") + " has no input object", details, null);
          }
          return new ToolUseBlock(text(node, "id"), text(node, "name"), input.toString());
        }
        case "thinking":
          return new ThinkingBlock(text(node, "thinking"), text(node, "signature"));
        default:
          // redacted_thinking, server tool blocks and any type added later: kept whole, sendable back as is.
          return new OtherBlock(type.isBlank() ? "unknown" : type, node.toString());
      }
    } catch (IllegalArgumentException e) {
      throw malformed("a " + type + " block is invalid: " + e.getMessage(), details, e);
    }
  }

  /**
   * Usage from a {@code usage} object: counts it holds replace those of {@code base}, counts it lacks (or holds
   * as null) carry over, as {@code message_delta} events require.
   */
  static Usage usage(JsonNode usage, Usage base, ErrorDetails details) {
    if (usage == null || !usage.isObject()) {
      return base;
    }
    try {
      return new Usage(
          count(usage, "input_tokens", base.inputTokens()),
          count(usage, "output_tokens", base.outputTokens()),
          count(usage, "cache_read_input_tokens", base.cacheReadTokens()),
          count(usage, "cache_creation_input_tokens", base.cacheWriteTokens()));
    } catch (IllegalArgumentException e) {
      throw malformed("usage is invalid: " + e.getMessage(), details, e);
    }
  }

  private static long count(JsonNode usage, String field, long fallback) {
    JsonNode n = usage.get(field);
    return n != null && n.isIntegralNumber() ? n.asLong() : fallback;
  }

  /** The stop reason, or {@link StopReason#END_TURN} when the message has none (the field is required). */
  static StopReason stopReason(JsonNode node) {
    return node != null && node.isTextual() && !node.asText().isBlank() ? StopReason.of(node.asText())
        : StopReason.END_TURN;
  }

  /**
   * The exception for an HTTP error response or an {@code error} object: classified by the error type where the
   * body has one, else by the status.
   *
   * @param status the HTTP status, or for an error event inside a 200 stream the status its type stands for
   * @param body the body as text, or null if it could not be read
   * @param contentType the response's content type, or null
   * @param secret the provider's key, removed from any message that echoes it
   */
  static LlmException httpError(int status, String body, String contentType, Duration retryAfter,
      ErrorDetails details, String secret) {
    String type = null;
    String message = null;
    String requestId = details.requestId();
    JsonNode root = null;
    if (body != null && !body.isBlank()) {
      try {
        root = Json.MAPPER.readTree(body);
      } catch (JsonProcessingException notJson) {
        root = null;
      }
    }
    if (root != null && root.isObject() && root.get("error") != null && root.get("error").isObject()) {
      JsonNode error = root.get("error");
      type = nonBlank(text(error, "type"));
      message = nonBlank(text(error, "message"));
      if (requestId == null) {
        requestId = nonBlank(text(root, "request_id"));
      }
    } else {
      // Not Anthropic's error format: a proxy's or gateway's page. Its text is not shown: a proxy may echo the
      // request, headers and key included.
      message = "HTTP " + status + " with a body that is not an Anthropic error ("
          + (contentType == null ? "no content type" : contentType) + ", "
          + (body == null ? "unreadable" : body.length() + " chars") + "); a proxy or gateway may have answered";
    }
    if (message != null && secret != null && !secret.isEmpty()) {
      message = message.replace(secret, "***");
    }
    ErrorDetails withId = new ErrorDetails(details.provider(), details.httpStatus(), requestId, details.rateLimits());
    return Failures.forStatus(status, type, message, retryAfter, withId);
  }

  /** The HTTP status an error type stands for, for error events inside a 200 stream; 500 for unknown types. */
  static int statusOf(String errorType) {
    if (errorType == null) {
      return 500;
    }
    switch (errorType) {
      case "invalid_request_error":
        return 400;
      case "authentication_error":
        return 401;
      case "billing_error":
        return 402;
      case "permission_error":
        return 403;
      case "not_found_error":
        return 404;
      case "conflict_error":
        return 409;
      case "request_too_large":
        return 413;
      case "rate_limit_error":
        return 429;
      case "timeout_error":
        return 504;
      case "overloaded_error":
        return 529;
      case "api_error":
      default:
        return 500;
    }
  }

  static ProviderException malformed(String what, ErrorDetails details, Throwable cause) {
    return new ProviderException("malformed response from Anthropic: " + what, false, details, cause);
  }

  /** The text of {@code field}, or empty when it is absent, null or not a string. */
  static String text(JsonNode node, String field) {
    JsonNode n = node.get(field);
    return n != null && n.isTextual() ? n.asText() : "";
  }

  private static String nonBlank(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}

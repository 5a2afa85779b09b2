package dev.ralex.providers.openrouter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ralex.api.BillingException;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ContextTooLongException;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.LlmException;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.PermissionDeniedException;
import dev.ralex.api.ProviderException;
import dev.ralex.api.RateLimitInfo;
import dev.ralex.api.StopReason;
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.api.Usage;
import dev.ralex.providers.internal.Failures;
import dev.ralex.providers.internal.Json;
import dev.ralex.providers.internal.RetryHints;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import okhttp3.Headers;

/**
 * Reads OpenAI-style chat-completions responses and error bodies into Ralex values. Stateless and thread-safe.
 *
 * <p>Decisions a caller can rely on:
 *
 * <ul>
 *   <li>Usage is normalised to Ralex's convention: {@code prompt_tokens} includes cached tokens in this format, so
 *       {@code inputTokens = prompt_tokens - cached_tokens - cache_write_tokens}, with the cache counts beside it;
 *       {@code outputTokens = completion_tokens}, which already includes reasoning tokens.
 *   <li>{@code usage.cost} (OpenRouter, in dollars) becomes {@link ChatResponse#cost()}: it is what the model that
 *       really answered was billed, so Ralex's pipeline prefers it to catalog prices. For a bring-your-own-key
 *       call ({@code is_byok}) the upstream provider's charge ({@code cost_details.upstream_inference_cost}) is
 *       added, since the caller pays both.
 *   <li>A tool call whose {@code arguments} are not a JSON object fails the attempt with a retryable {@link
 *       ProviderException}: a tool call with made-up or lost input would be worse than an error, and a fresh
 *       sample usually gets the JSON right. The message names the tool, never the arguments.
 *   <li>An {@code error} object fails the call whatever the HTTP status, including inside a 200 body.
 * </ul>
 */
final class ChatCompletionsResponses {
  private ChatCompletionsResponses() {}

  /**
   * Maps a 2xx body.
   *
   * @throws LlmException if the body is not JSON, holds an error object or has no choice
   */
  static ChatResponse parse(OpenAiCompatibleProvider.Settings settings, ModelInfo model, int status, Headers headers,
      String body, RateLimitInfo rateLimits) {
    ErrorDetails details = details(settings, status, headers, rateLimits);
    JsonNode root = parseJson(body, details);
    if (root == null || !root.isObject()) {
      throw new ProviderException("the response body is not a JSON object" + describeEmpty(body), false, details,
          null);
    }
    JsonNode error = root.get("error");
    if (error != null && !error.isNull()) {
      throw errorObject(error, status, retryAfter(headers, error, settings.clock()), details);
    }
    JsonNode choice = root.path("choices").path(0);
    if (!choice.isObject()) {
      throw new ProviderException("the response has no choices", false, details, null);
    }
    JsonNode message = choice.path("message");
    List<ContentBlock> content = new ArrayList<>();
    String reasoning = reasoningOf(message);
    if (!reasoning.isEmpty()) {
      content.add(new ThinkingBlock(reasoning, ""));
    }
    String text = textOf(message.get("content"));
    String refusal = textOrEmpty(message.get("refusal"));
    if (!text.isEmpty()) {
      content.add(ContentBlock.text(text));
    } else if (!refusal.isEmpty()) {
      content.add(ContentBlock.text(refusal)); // OpenAI puts a refusal's explanation beside an empty content.
    }
    JsonNode calls = message.path("tool_calls");
    int toolCount = 0;
    if (calls.isArray()) {
      for (JsonNode call : calls) {
        JsonNode fn = call.path("function");
        content.add(toolUse(textOrEmpty(call.get("id")), textOrEmpty(fn.get("name")),
            textOrEmpty(fn.get("arguments")), toolCount++, details));
      }
    }
    String finish = textOrEmpty(choice.get("finish_reason"));
    if ("error".equals(finish)) {
      throw new ProviderException("the model stopped with finish_reason 'error' and no error object", true,
          details, null);
    }
    StopReason stop = stopReason(finish, toolCount > 0);
    if (text.isEmpty() && !refusal.isEmpty() && toolCount == 0) {
      stop = StopReason.REFUSAL;
    }
    JsonNode usage = root.path("usage");
    String id = textOrEmpty(root.get("id"));
    return ChatResponse.builder()
        .id(id)
        .content(content)
        .model(model.id())
        .provider(settings.id())
        .usage(usage(usage))
        .cost(cost(usage))
        .stopReason(stop)
        .providerRequestId(requestId(headers, id))
        .providerModel(emptyToNull(textOrEmpty(root.get("model"))))
        .rateLimits(rateLimits)
        .rawBody(body)
        .build();
  }

  /** {@code null} for an empty string, so an absent field stays absent. */
  static String emptyToNull(String s) {
    return s.isEmpty() ? null : s;
  }

  /** The exception for a non-2xx response, whatever its body (JSON error object, HTML page, nothing). */
  static LlmException httpError(OpenAiCompatibleProvider.Settings settings, int status, Headers headers,
      String body, RateLimitInfo rateLimits) {
    ErrorDetails details = details(settings, status, headers, rateLimits);
    JsonNode root = null;
    try {
      root = body == null || body.isBlank() ? null : Json.MAPPER.readTree(body);
    } catch (JsonProcessingException notJson) {
      // A proxy's HTML page or plain text: classified by status alone, with the status in the message.
    }
    JsonNode error = root != null && root.isObject() ? root.get("error") : null;
    if (error != null && error.isObject()) {
      return errorObject(error, status, retryAfter(headers, error, settings.clock()), details);
    }
    String message = error != null && error.isTextual() ? error.asText() : null; // {"error":"..."} (Ollama)
    if (message == null) {
      message = "HTTP " + status + (body == null || body.isBlank() ? " with an empty body" : " with a non-JSON body");
    }
    return Failures.forStatus(status, null, message, RetryHints.retryAfter(headers, settings.clock()), details);
  }

  /**
   * The exception for an {@code error} object, in a body or in a stream event.
   *
   * @param httpStatus the response's status, used when the object's code is not an HTTP status
   */
  static LlmException errorObject(JsonNode error, int httpStatus, Duration retryAfter, ErrorDetails details) {
    JsonNode codeNode = error.get("code");
    String code = codeNode == null || codeNode.isNull() ? "" : codeNode.asText();
    int status = effectiveStatus(codeNode, httpStatus);
    StringBuilder message = new StringBuilder(textOrEmpty(error.get("message")));
    if (message.length() == 0) {
      message.append("error");
    }
    if (codeNode != null && codeNode.isTextual() && !code.isEmpty()) {
      message.append(" (code ").append(code).append(')');
    }
    JsonNode metadata = error.path("metadata");
    // Moderation metadata: the reasons and who flagged, never flagged_input, which quotes the user's prompt.
    JsonNode reasons = metadata.path("reasons");
    if (reasons.isArray() && !reasons.isEmpty()) {
      List<String> list = new ArrayList<>();
      reasons.forEach(r -> list.add(r.asText()));
      message.append("; flagged for ").append(String.join(", ", list));
    }
    String upstream = textOrEmpty(metadata.get("provider_name"));
    if (!upstream.isEmpty()) {
      message.append("; upstream provider ").append(upstream);
    }
    String slug = textOrEmpty(metadata.get("model_slug"));
    if (!slug.isEmpty()) {
      message.append(", model ").append(slug);
    }
    String text = message.toString();
    if (code.toLowerCase(Locale.ROOT).contains("context_length")) {
      // OpenAI-style servers name it in the code; the message need not say "context length".
      return new ContextTooLongException(text, -1, -1, details, null);
    }
    if (status == 402) {
      return new BillingException(text + " (out of credits: add credits, then retry; not retried automatically)",
          details);
    }
    if (status == 403) {
      return new PermissionDeniedException(text, details);
    }
    return Failures.forStatus(status, null, text, retryAfter, details);
  }

  /**
   * The HTTP status an error object means: its numeric {@code code} when that is a status (OpenRouter sends the
   * status there), else a status inferred from a string code (which streams use, such as {@code server_error}),
   * else the response's own error status, else 502: an error reported after a 200 is a failure of the model's
   * upstream provider.
   */
  static int effectiveStatus(JsonNode codeNode, int httpStatus) {
    if (codeNode != null && codeNode.canConvertToInt() && codeNode.isIntegralNumber()) {
      int code = codeNode.intValue();
      if (code >= 400 && code <= 599) {
        return code;
      }
    }
    if (codeNode != null && codeNode.isTextual()) {
      String c = codeNode.asText().toLowerCase(Locale.ROOT);
      if (c.matches("[45]\\d\\d")) {
        return Integer.parseInt(c);
      }
      if (c.contains("rate_limit")) {
        return 429;
      }
      if (c.contains("context_length") || c.contains("invalid") || c.contains("bad_request")) {
        return 400;
      }
      if (c.contains("insufficient") || c.contains("credit") || c.contains("billing") || c.contains("quota")) {
        return 402;
      }
      if (c.contains("moderation") || c.contains("forbidden") || c.contains("permission")) {
        return 403;
      }
      if (c.contains("auth")) {
        return 401;
      }
      if (c.contains("timeout")) {
        return 408;
      }
      if (c.contains("unavailable") || c.contains("overload")) {
        return 503;
      }
    }
    return httpStatus >= 400 ? httpStatus : 502;
  }

  /** The stop reason for a {@code finish_reason}; {@code stop} with tool calls is a tool-use stop. */
  static StopReason stopReason(String finish, boolean hasToolCalls) {
    switch (finish) {
      case "":
      case "stop":
        // Some upstreams say "stop" when the turn ends in tool calls; an agent loop needs TOOL_USE then.
        return hasToolCalls ? StopReason.TOOL_USE : StopReason.END_TURN;
      case "length":
        return StopReason.MAX_TOKENS;
      case "tool_calls":
      case "function_call":
        return StopReason.TOOL_USE;
      case "content_filter":
        return StopReason.REFUSAL;
      default:
        return StopReason.of(finish);
    }
  }

  /**
   * A tool call; empty arguments (a tool without parameters, on some servers) mean {@code {}}, a missing id gets
   * a stable one from the call's position.
   *
   * @throws ProviderException (retryable) if the arguments are not a JSON object
   */
  static ToolUseBlock toolUse(String id, String name, String arguments, int index, ErrorDetails details) {
    if (name.isBlank()) {
      throw new ProviderException("tool call " + index + " has no function name", false, details, null);
    }
    String args = arguments.isBlank() ? "{}" : arguments;
    try {
      return new ToolUseBlock(id.isBlank() ? "call_" + index : id, name, args);
    } catch (IllegalArgumentException e) {
      // The message of ToolUseBlock's check names the offset of the error, not the arguments.
      throw new ProviderException("the model returned tool call '" + name + "' with arguments that are not a "
          + "JSON object (" + args.length() + " chars); retrying samples a new answer", true, details, e);
    }
  }

  /** Ralex usage from a {@code usage} object; all zero when it is missing. */
  static Usage usage(JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return Usage.ZERO;
    }
    long prompt = count(usage.get("prompt_tokens"));
    long cached = count(usage.path("prompt_tokens_details").get("cached_tokens"));
    long written = count(usage.path("prompt_tokens_details").get("cache_write_tokens"));
    long completion = count(usage.get("completion_tokens"));
    // prompt_tokens counts cached reads and writes; Ralex counts them beside the uncached input.
    long input = Math.max(0, prompt - cached - written);
    return new Usage(input, completion, cached, written);
  }

  /** The dollars the response says it cost, zero when it does not say. */
  static BigDecimal cost(JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return BigDecimal.ZERO;
    }
    BigDecimal cost = dollars(usage.get("cost"));
    if (usage.path("is_byok").asBoolean(false)) {
      cost = cost.add(dollars(usage.path("cost_details").get("upstream_inference_cost")));
    }
    return cost;
  }

  private static BigDecimal dollars(JsonNode node) {
    if (node == null || !node.isNumber()) {
      return BigDecimal.ZERO;
    }
    BigDecimal value = node.decimalValue();
    return value.signum() < 0 ? BigDecimal.ZERO : value;
  }

  private static long count(JsonNode node) {
    return node != null && node.canConvertToLong() ? Math.max(0, node.longValue()) : 0;
  }

  /** A message's reasoning: OpenRouter's {@code reasoning}, or {@code reasoning_content} (vLLM, DeepSeek). */
  static String reasoningOf(JsonNode messageOrDelta) {
    String reasoning = textOrEmpty(messageOrDelta.get("reasoning"));
    return reasoning.isEmpty() ? textOrEmpty(messageOrDelta.get("reasoning_content")) : reasoning;
  }

  /** Content as a string, or the text parts of a content array; empty for null. */
  static String textOf(JsonNode content) {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isArray()) {
      StringBuilder sb = new StringBuilder();
      for (JsonNode part : content) {
        if ("text".equals(part.path("type").asText())) {
          sb.append(part.path("text").asText(""));
        }
      }
      return sb.toString();
    }
    return content.isTextual() ? content.asText() : "";
  }

  static String textOrEmpty(JsonNode node) {
    return node == null || node.isNull() || !node.isValueNode() ? "" : node.asText();
  }

  /** The provider's request id: the {@code x-request-id} header, else the completion's id (a generation id). */
  static String requestId(Headers headers, String bodyId) {
    String header = headers.get("x-request-id");
    if (header != null && !header.isBlank()) {
      return header;
    }
    return bodyId == null || bodyId.isBlank() ? null : bodyId;
  }

  static ErrorDetails details(OpenAiCompatibleProvider.Settings settings, int status, Headers headers,
      RateLimitInfo rateLimits) {
    return new ErrorDetails(settings.id(), status, headers.get("x-request-id"), rateLimits);
  }

  /**
   * The wait a refusal asks for: the {@code retry-after} headers, else the reset time OpenRouter copies into
   * {@code metadata.headers.X-RateLimit-Reset} (epoch milliseconds) for its per-minute limits.
   */
  static Duration retryAfter(Headers headers, JsonNode error, Clock clock) {
    Duration fromHeaders = RetryHints.retryAfter(headers, clock);
    if (fromHeaders != null) {
      return fromHeaders;
    }
    JsonNode reset = error.path("metadata").path("headers").get("X-RateLimit-Reset");
    if (reset == null) {
      return null;
    }
    try {
      long millis = Long.parseLong(reset.asText().trim());
      Duration wait = Duration.between(clock.instant(), Instant.ofEpochMilli(millis));
      // A reset in the past means "now"; one beyond an hour is no per-minute limit and not worth waiting for.
      if (wait.compareTo(Duration.ofHours(1)) > 0) {
        return null;
      }
      return wait.isNegative() ? Duration.ZERO : wait;
    } catch (NumberFormatException | java.time.DateTimeException malformed) {
      return null;
    }
  }

  private static JsonNode parseJson(String body, ErrorDetails details) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      return Json.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      // Jackson's message quotes the body; say where, not what.
      throw new ProviderException("the response body is not valid JSON (" + body.length() + " chars)", false,
          details, null);
    }
  }

  private static String describeEmpty(String body) {
    return body == null || body.isBlank() ? " (empty body)" : "";
  }
}

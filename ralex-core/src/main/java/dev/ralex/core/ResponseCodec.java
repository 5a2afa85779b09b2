package dev.ralex.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.StopReason;
import dev.ralex.api.Usage;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The JSON form of an answer, for {@link dev.ralex.api.ResponseCache}s that keep answers outside the process
 * (Redis, a database). Kept: id, every content block kind exactly as the conversation files keep them, model,
 * provider, usage, stop reason (unknown ones too), cost as an exact decimal, attempts, models tried, the
 * provider's request id and model. Not kept: latency, waits, rate-limit headers and the raw body, which describe
 * the call that made the answer rather than the answer. Thread-safe (stateless).
 */
public final class ResponseCodec {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int FORMAT = 1;

  private ResponseCodec() {}

  /** The answer as UTF-8 JSON. */
  public static byte[] toJson(ChatResponse response) {
    Objects.requireNonNull(response, "response");
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("id", response.id());
    root.put("call_id", response.callId());
    FileConversationStore.writeBlocks(root.putArray("content"), response.content());
    root.put("model", response.model());
    root.put("provider", response.provider());
    Usage u = response.usage();
    root.putObject("usage").put("input", u.inputTokens()).put("output", u.outputTokens())
        .put("cache_read", u.cacheReadTokens()).put("cache_write", u.cacheWriteTokens());
    root.put("stop_reason", response.stopReason().raw());
    root.put("cost", response.cost().toPlainString());
    root.put("attempts", response.attempts());
    ArrayNode tried = root.putArray("models_tried");
    response.modelsTried().forEach(tried::add);
    response.providerRequestId().ifPresent(v -> root.put("provider_request_id", v));
    response.providerModel().ifPresent(v -> root.put("provider_model", v));
    try {
      return JSON.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write an answer as JSON", e);
    }
  }

  /**
   * The answer {@link #toJson} wrote.
   *
   * @throws IllegalArgumentException if {@code json} is not such an answer (malformed, another format, a field
   *     missing or of the wrong type)
   */
  public static ChatResponse fromJson(byte[] json) {
    Objects.requireNonNull(json, "json");
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("a cached answer is not valid JSON", e);
    }
    if (root == null || !root.isObject() || root.path("format").asInt() != FORMAT) {
      throw new IllegalArgumentException("a cached answer is not in format " + FORMAT);
    }
    try {
      JsonNode usage = field(root, "usage");
      List<String> tried = new ArrayList<>();
      for (JsonNode m : field(root, "models_tried")) {
        tried.add(m.asText());
      }
      ChatResponse.Builder b = ChatResponse.builder()
          .id(field(root, "id").asText())
          .callId(field(root, "call_id").asText())
          .content(FileConversationStore.readBlocks(field(root, "content")))
          .model(field(root, "model").asText())
          .provider(field(root, "provider").asText())
          .usage(new Usage(field(usage, "input").asLong(), field(usage, "output").asLong(),
              field(usage, "cache_read").asLong(), field(usage, "cache_write").asLong()))
          .stopReason(StopReason.of(field(root, "stop_reason").asText()))
          .cost(new BigDecimal(field(root, "cost").asText()))
          .attempts(field(root, "attempts").asInt())
          .modelsTried(tried);
      if (root.hasNonNull("provider_request_id")) {
        b.providerRequestId(root.get("provider_request_id").asText());
      }
      if (root.hasNonNull("provider_model")) {
        b.providerModel(root.get("provider_model").asText());
      }
      return b.build();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("a cached answer is malformed: " + e.getMessage(), e);
    }
  }

  private static JsonNode field(JsonNode node, String name) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("missing '" + name + "'");
    }
    return v;
  }
}

package dev.ralex.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.Message;
import dev.ralex.api.TextBlock;
import dev.ralex.api.ToolDefinition;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The response cache's key for a request: a SHA-256 digest of the request's canonical form, that is everything that
 * changes the answer (the model, or the routing that will choose it; system prompt; messages with every block;
 * tools; tool choice; output limit; sampling parameters; stop sequences) and nothing that does not (tags, the
 * conversation id, options, pins).
 */
final class ResponseCacheKey {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ResponseCacheKey() {}

  /**
   * The key of {@code request}.
   *
   * @param routing what picks the model when the request names none, such as the selector's class: two selectors
   *     may answer the same request with different models
   */
  static String of(ChatRequest request, String routing) {
    ObjectNode root = JSON.createObjectNode();
    root.put("model", request.model().orElse("auto:" + routing));
    ArrayNode system = root.putArray("system");
    for (TextBlock t : request.system()) {
      system.add(t.text());
    }
    ArrayNode messages = root.putArray("messages");
    for (Message m : request.messages()) {
      ObjectNode node = messages.addObject();
      node.put("role", m.role().name());
      FileConversationStore.writeBlocks(node.putArray("content"), m.content());
    }
    ArrayNode tools = root.putArray("tools");
    for (ToolDefinition t : request.tools()) {
      tools.addObject().put("name", t.name()).put("description", t.description()).put("schema", t.inputSchemaJson());
    }
    ObjectNode choice = root.putObject("toolChoice");
    choice.put("mode", request.toolChoice().mode().name());
    choice.put("tool", request.toolChoice().toolName());
    choice.put("parallel", !request.toolChoice().disableParallelToolUse());
    request.maxOutputTokens().ifPresent(v -> root.put("maxOutputTokens", v));
    request.temperature().ifPresent(v -> root.put("temperature", v));
    request.topP().ifPresent(v -> root.put("topP", v));
    request.topK().ifPresent(v -> root.put("topK", v));
    ArrayNode stop = root.putArray("stop");
    List<String> sequences = request.stopSequences();
    sequences.forEach(stop::add);
    try {
      byte[] canonical = JSON.writeValueAsBytes(root);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
    } catch (com.fasterxml.jackson.core.JsonProcessingException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot digest a request", e);
    }
  }
}

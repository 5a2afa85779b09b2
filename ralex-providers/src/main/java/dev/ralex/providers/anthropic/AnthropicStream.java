package dev.ralex.providers.anthropic;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.LlmException;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.NetworkException;
import dev.ralex.api.OtherBlock;
import dev.ralex.api.ProviderException;
import dev.ralex.api.RateLimitInfo;
import dev.ralex.api.StopReason;
import dev.ralex.api.StreamCancelledException;
import dev.ralex.api.StreamHandler;
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.api.Usage;
import dev.ralex.providers.internal.Failures;
import dev.ralex.providers.internal.Json;
import dev.ralex.providers.internal.RateLimitHeaders;
import dev.ralex.providers.internal.RetryHints;
import dev.ralex.providers.internal.StreamingHttp;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One streamed answer: the receiver of a non-blocking {@link StreamingHttp} exchange, to which the transport
 * pushes the response and each event of the {@code text/event-stream} body as bytes arrive, and the state that
 * assembles the answer from those events. The transport never overlaps its calls and makes them in order, so
 * handler callbacks never overlap either (they run on the transport's shared threads, no thread per stream); the
 * terminal callback runs exactly once, guarded by {@link #ended}, whichever of completion, failure and
 * cancellation comes first.
 */
final class AnthropicStream implements StreamingHttp.Receiver {
  private static final Logger LOG = LoggerFactory.getLogger(AnthropicStream.class);

  private final ModelInfo model;
  private final StreamHandler handler;
  private final Clock clock;
  private final String secret;
  private final CompletableFuture<ChatResponse> completion = new CompletableFuture<>();
  private final AtomicBoolean ended = new AtomicBoolean();

  // Read and written only on the callback thread.
  private String requestId;
  private RateLimitInfo rateLimits;
  private String messageId = "";
  private String providerModel;
  private Usage usage = Usage.ZERO;
  private StopReason stopReason;
  private final Map<Integer, Block> blocks = new TreeMap<>();
  private volatile StreamingHttp.Exchange exchange;
  // Set by the transport's first call, before any other: the status and headers of the response.
  private int status;
  private Headers headers;

  AnthropicStream(ModelInfo model, StreamHandler handler, Clock clock, String secret) {
    this.model = model;
    this.handler = handler;
    this.clock = clock;
    this.secret = secret;
  }

  CompletableFuture<ChatResponse> completion() {
    return completion;
  }

  /** Sends the request; the handler hears from the transport's threads from now on. */
  void start(StreamingHttp http, java.net.http.HttpRequest.Builder request, byte[] body) {
    this.exchange = http.post(request, body, this);
  }

  /** Cancels the stream, closing its connection; the handler gets one cancellation unless it has ended. */
  void cancel() {
    StreamingHttp.Exchange e = exchange;
    if (e != null) {
      e.cancel();
    }
  }

  private boolean isCancelled() {
    StreamingHttp.Exchange e = exchange;
    return e != null && e.isCancelled();
  }

  @Override
  public StreamingHttp.BodyMode onResponse(int status, Headers headers) {
    this.status = status;
    this.headers = headers;
    requestId = headers.get("request-id");
    rateLimits = RateLimitHeaders.parse(headers, AnthropicResponses.RATE_LIMIT_PREFIX, clock);
    if (status < 200 || status >= 300) {
      return StreamingHttp.BodyMode.ERROR_PREFIX;
    }
    String contentType = headers.get("content-type");
    if (contentType != null && contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      // Not a stream: a gateway that ignored "stream": true, or an error object under 200. Map it whole.
      return StreamingHttp.BodyMode.WHOLE;
    }
    return StreamingHttp.BodyMode.EVENTS;
  }

  @Override
  public void onBody(String body) {
    if (status < 200 || status >= 300) {
      fail(AnthropicResponses.httpError(status, body, headers.get("content-type"),
          RetryHints.retryAfter(headers, clock), details(status), secret));
      return;
    }
    deliverWhole(body, status);
  }

  @Override
  public void onEnd(boolean clean) {
    if (ended.get()) {
      return;
    }
    if (isCancelled()) {
      fail(cancelled());
      return;
    }
    fail(new NetworkException((clean ? "the stream ended before message_stop"
        : "the stream was cut off in the middle of an event") + "; what arrived was delivered", details(status)));
  }

  @Override
  public void onFailure(Throwable failure, boolean cancelled) {
    if (failure instanceof IOException e) {
      fail(Failures.forIo(e, cancelled, details(status)));
    } else if (failure instanceof LlmException e) {
      fail(e);
    } else {
      fail(new ProviderException("handling the stream failed: " + failure, false, details(status), failure));
    }
  }

  @Override
  public boolean onEvent(String event, String data) {
    if (isCancelled()) {
      fail(cancelled()); // Deterministic: once cancelled, no further event reaches the handler.
      return false;
    }
    if (data.isEmpty()) {
      return true;
    }
    if ("content_block_delta".equals(event)) {
      deltaEvent(data); // The hot path: most events of a long answer are deltas.
      return true;
    }
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(data);
    } catch (JsonProcessingException e) {
      throw AnthropicResponses.malformed("a stream event is not JSON (" + e.getOriginalMessage() + ")",
          details(200), null);
    }
    if (!node.isObject()) {
      throw AnthropicResponses.malformed("a stream event is not a JSON object", details(200), null);
    }
    String type = AnthropicResponses.text(node, "type");
    if (type.isEmpty() && event != null) {
      type = event;
    }
    switch (type) {
      case "message_start": {
        JsonNode message = node.path("message");
        messageId = AnthropicResponses.text(message, "id");
        String name = AnthropicResponses.text(message, "model");
        providerModel = name.isBlank() ? null : name;
        usage = AnthropicResponses.usage(message.get("usage"), Usage.ZERO, details(200));
        handler.onUsage(usage);
        return true;
      }
      case "content_block_start":
        startBlock(node.path("index").asInt(-1), node.path("content_block"));
        return true;
      case "content_block_delta": {
        JsonNode delta = node.path("delta");
        String deltaType = AnthropicResponses.text(delta, "type");
        delta(node.path("index").asInt(-1), deltaType, AnthropicResponses.text(delta, deltaField(deltaType)));
        return true;
      }
      case "content_block_stop":
        stopBlock(node.path("index").asInt(-1));
        return true;
      case "message_delta": {
        JsonNode reason = node.path("delta").get("stop_reason");
        if (reason != null && reason.isTextual() && !reason.asText().isBlank()) {
          stopReason = StopReason.of(reason.asText());
        }
        JsonNode u = node.get("usage");
        if (u != null && u.isObject()) {
          usage = AnthropicResponses.usage(u, usage, details(200));
          handler.onUsage(usage);
        }
        return true;
      }
      case "message_stop":
        complete();
        return false;
      case "error": {
        JsonNode error = node.path("error");
        String errorType = AnthropicResponses.text(error, "type");
        // Classified by its type exactly as the HTTP error it stands for: overloaded_error is an overload.
        fail(AnthropicResponses.httpError(AnthropicResponses.statusOf(errorType), data, "application/json", null,
            details(200), secret));
        return false;
      }
      case "ping":
      default:
        return true; // Unknown event types are ignored, as the API's versioning policy asks of clients.
    }
  }

  /** Delivers a whole JSON answer as the default {@code LlmProvider.stream} does: deltas, tool calls, usage. */
  private void deliverWhole(String body, int status) {
    ErrorDetails details = details(status);
    JsonNode root;
    try {
      root = body.isBlank() ? null : Json.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw AnthropicResponses.malformed("the body is not valid JSON (" + e.getOriginalMessage() + ")", details, null);
    }
    if (root == null) {
      throw AnthropicResponses.malformed("HTTP " + status + " with an empty body", details, null);
    }
    if (root.isObject() && "error".equals(AnthropicResponses.text(root, "type"))) {
      String type = AnthropicResponses.text(root.path("error"), "type");
      fail(AnthropicResponses.httpError(AnthropicResponses.statusOf(type), body, "application/json", null, details,
          secret));
      return;
    }
    ChatResponse whole = AnthropicResponses.message(root, model, requestId, rateLimits, null, details);
    StreamHandler.replay(whole, handler);
    if (ended.compareAndSet(false, true)) {
      completion.complete(whole);
      try {
        handler.onComplete(whole);
      } catch (RuntimeException e) {
        LOG.warn("stream handler {} failed in onComplete", handler, e);
      }
    }
  }

  private void startBlock(int index, JsonNode block) {
    if (index < 0 || !block.isObject()) {
      throw AnthropicResponses.malformed("content_block_start without an index or a block", details(200), null);
    }
    String type = AnthropicResponses.text(block, "type");
    switch (type) {
      case "text":
        blocks.put(index, new Block(type, new StringBuilder(AnthropicResponses.text(block, "text")), null));
        break;
      case "tool_use":
        blocks.put(index, new Block(type, new StringBuilder(), (ObjectNode) block));
        break;
      case "thinking": {
        Block b = new Block(type, new StringBuilder(AnthropicResponses.text(block, "thinking")), null);
        b.signature = AnthropicResponses.text(block, "signature");
        blocks.put(index, b);
        break;
      }
      default:
        blocks.put(index, new Block(type, new StringBuilder(), (ObjectNode) block));
        break;
    }
  }

  /**
   * Reads a {@code content_block_delta} event with Jackson's streaming parser, without building a tree: only the
   * index, the delta's type and its one text field are kept; anything else is skipped.
   */
  private void deltaEvent(String data) {
    int index = -1;
    String deltaType = "";
    String value = "";
    try (JsonParser p = Json.MAPPER.getFactory().createParser(data)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw AnthropicResponses.malformed("a stream event is not a JSON object", details(200), null);
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken token = p.nextToken();
        if (field.equals("index") && token == JsonToken.VALUE_NUMBER_INT) {
          index = p.getIntValue();
        } else if (field.equals("delta") && token == JsonToken.START_OBJECT) {
          String text = null;
          String thinking = null;
          String json = null;
          String signature = null;
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            if (t != JsonToken.VALUE_STRING) {
              p.skipChildren();
              continue;
            }
            switch (name) {
              case "type":
                deltaType = p.getText();
                break;
              case "text":
                text = p.getText();
                break;
              case "partial_json":
                json = p.getText();
                break;
              case "thinking":
                thinking = p.getText();
                break;
              case "signature":
                signature = p.getText();
                break;
              default:
                break;
            }
          }
          String chosen = switch (deltaField(deltaType)) {
            case "text" -> text;
            case "partial_json" -> json;
            case "thinking" -> thinking;
            case "signature" -> signature;
            default -> null;
          };
          value = chosen == null ? "" : chosen;
        } else {
          p.skipChildren();
        }
      }
    } catch (IOException e) {
      throw AnthropicResponses.malformed("a stream event is not JSON (" + e.getMessage() + ")", details(200), null);
    }
    delta(index, deltaType, value);
  }

  /** The field that carries the text of a delta of {@code deltaType}. */
  private static String deltaField(String deltaType) {
    switch (deltaType) {
      case "text_delta":
        return "text";
      case "input_json_delta":
        return "partial_json";
      case "thinking_delta":
        return "thinking";
      case "signature_delta":
        return "signature";
      default:
        return "";
    }
  }

  private void delta(int index, String deltaType, String value) {
    Block block = blocks.get(index);
    if (block == null || block.done != null) {
      LOG.debug("ignoring a delta for block {}, which is not open", index);
      return;
    }
    switch (deltaType) {
      case "text_delta": {
        String text = value;
        if (!text.isEmpty()) {
          block.text.append(text);
          handler.onTextDelta(text);
        }
        break;
      }
      case "input_json_delta": {
        String json = value;
        if (!json.isEmpty()) {
          block.text.append(json);
          if (block.type.equals("tool_use")) {
            handler.onToolInputDelta(index, json);
          }
        }
        break;
      }
      case "thinking_delta": {
        String thinking = value;
        if (!thinking.isEmpty()) {
          block.text.append(thinking);
          handler.onThinkingDelta(thinking);
        }
        break;
      }
      case "signature_delta":
        block.signature = block.signature + value;
        break;
      default:
        break; // citations_delta and deltas added later carry nothing Ralex's blocks hold.
    }
  }

  private void stopBlock(int index) {
    Block block = blocks.get(index);
    if (block == null || block.done != null) {
      return;
    }
    block.done = finish(block);
    if (block.done instanceof ToolUseBlock use) {
      handler.onToolUse(use);
    }
  }

  /** The finished block, built as the blocking path builds it from the same content; EMPTY for empty text. */
  private ContentBlock finish(Block block) {
    switch (block.type) {
      case "text":
        return block.text.length() == 0 ? EMPTY : dev.ralex.api.ContentBlock.text(block.text.toString());
      case "thinking":
        return new ThinkingBlock(block.text.toString(), block.signature);
      default: {
        ObjectNode raw = block.raw;
        if (block.text.length() > 0) {
          // The input arrived as input_json_delta fragments: parse the whole, as the blocking path would see it.
          raw.set("input", parseInput(block.text.toString(), AnthropicResponses.text(raw, "id")));
        }
        return AnthropicResponses.block(raw, details(200));
      }
    }
  }

  private JsonNode parseInput(String json, String id) {
    try {
      JsonNode input = Json.MAPPER.readTree(json);
      if (input == null || !input.isObject()) {
        throw AnthropicResponses.malformed("the input of block " + id + " is not a JSON object", details(200), null);
      }
      return input;
    } catch (JsonProcessingException e) {
      throw AnthropicResponses.malformed("the input of block " + id + " is not valid JSON ("
          + e.getOriginalMessage() + ")", details(200), null);
    }
  }

  private void complete() {
    List<ContentBlock> content = new ArrayList<>(blocks.size());
    for (Block block : blocks.values()) {
      if (block.done == null) {
        block.done = finish(block); // A block the server never closed: take what it sent.
        if (block.done instanceof ToolUseBlock use) {
          handler.onToolUse(use);
        }
      }
      if (block.done != EMPTY) {
        content.add(block.done);
      }
    }
    ChatResponse response = ChatResponse.builder()
        .id(messageId)
        .content(content)
        .model(model.id())
        .provider(AnthropicProvider.ID)
        .usage(usage)
        .stopReason(stopReason != null ? stopReason : StopReason.END_TURN)
        .providerRequestId(requestId)
        .providerModel(providerModel)
        .rateLimits(rateLimits)
        .build();
    if (ended.compareAndSet(false, true)) {
      completion.complete(response);
      try {
        handler.onComplete(response);
      } catch (RuntimeException e) {
        LOG.warn("stream handler {} failed in onComplete", handler, e);
      }
    }
  }

  private void fail(LlmException error) {
    if (ended.compareAndSet(false, true)) {
      completion.completeExceptionally(error);
      try {
        handler.onError(error);
      } catch (RuntimeException e) {
        LOG.warn("stream handler {} failed in onError", handler, e);
      }
    }
  }

  private StreamCancelledException cancelled() {
    return new StreamCancelledException("the stream was cancelled", details(0));
  }

  private ErrorDetails details(int status) {
    return new ErrorDetails(AnthropicProvider.ID, status, requestId, rateLimits);
  }

  /** Marks an empty text block, which the response leaves out as the blocking path does. */
  private static final ContentBlock EMPTY = new OtherBlock("empty", "{}");

  /** One content block being assembled. */
  private static final class Block {
    final String type;
    final StringBuilder text; // text, thinking, or a tool input's JSON fragments
    final ObjectNode raw; // the content_block_start object, for tool_use and unknown types
    String signature = "";
    ContentBlock done;

    Block(String type, StringBuilder text, ObjectNode raw) {
      this.type = type;
      this.text = text;
      this.raw = raw;
    }
  }
}

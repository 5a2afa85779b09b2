package dev.ralex.providers.openrouter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.LlmException;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.NetworkException;
import dev.ralex.api.ProviderException;
import dev.ralex.api.RateLimitInfo;
import dev.ralex.api.StopReason;
import dev.ralex.api.StreamCancelledException;
import dev.ralex.api.StreamHandle;
import dev.ralex.api.StreamHandler;
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.api.Usage;
import dev.ralex.providers.internal.Failures;
import dev.ralex.providers.internal.Json;
import dev.ralex.providers.internal.RateLimitHeaders;
import dev.ralex.providers.internal.StreamingHttp;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import okhttp3.Headers;

/**
 * One streamed chat completion: reads the {@code text/event-stream} body, forwards deltas to the handler, and
 * assembles the same {@link ChatResponse} the non-streaming call would return. One instance per stream.
 *
 * <p>Threading: the non-blocking transport ({@link StreamingHttp}) pushes the response and its events from its
 * shared threads, one call at a time, so an open stream holds no thread; {@link StreamHandle#cancel()} may come
 * from any thread. Every handler callback runs under this object's lock and only while the stream has not ended, so
 * callbacks never overlap, nothing follows the terminal callback, and exactly one of {@code onComplete} and
 * {@code onError} is called.
 *
 * <p>A stream is complete only when the server has sent a {@code finish_reason} and {@code [DONE]}: usage comes
 * in a chunk after the finish reason, so a stream cut before {@code [DONE]} would under-report what was billed,
 * and fails with a {@link NetworkException}. Tool-call arguments arrive as fragments keyed by {@code index}, with
 * the id and name in the first; they are forwarded as {@code onToolInputDelta}, and parsed and delivered as
 * {@code onToolUse} when the {@code finish_reason} arrives (before the usage chunk). The block index given to {@code onToolInputDelta} is the tool
 * call's position in the final content (reasoning, then text, then tool calls), computed from what has arrived
 * so far; a server that sends text after a tool call has started would shift it.
 */
final class ChatCompletionsStream implements StreamingHttp.Receiver {
  private final OpenAiCompatibleProvider.Settings settings;
  private final ModelInfo model;
  private final StreamHandler handler;
  private volatile StreamingHttp.Exchange exchange;
  private final CompletableFuture<ChatResponse> completion = new CompletableFuture<>();
  private final StreamHandle handle;

  // Guarded by this; written only on the reading thread.
  private boolean ended;
  private final StringBuilder text = new StringBuilder();
  private final StringBuilder thinking = new StringBuilder();
  private final Map<Integer, ToolCall> toolCalls = new TreeMap<>();
  private String id = "";
  private String answeringModel;
  private String finishReason;
  private List<ToolUseBlock> uses; // Parsed at the finish reason, when every fragment has arrived.
  private boolean done;
  private long received;
  private Usage usage = Usage.ZERO;
  private BigDecimal cost = BigDecimal.ZERO;
  private Headers headers = Headers.of();
  private int status;
  private RateLimitInfo rateLimits;
  private ErrorDetails details;

  private static final class ToolCall {
    String id = "";
    String name = "";
    final StringBuilder arguments = new StringBuilder();
    int blockIndex;
  }

  ChatCompletionsStream(OpenAiCompatibleProvider.Settings settings, ModelInfo model, StreamHandler handler) {
    this.settings = settings;
    this.model = model;
    this.handler = handler;
    this.details = ErrorDetails.of(settings.id());
    this.handle = StreamHandle.of(completion, this::cancel);
  }

  /** Sends the request; the handler hears from the transport's threads from now on. */
  void start(StreamingHttp http, java.net.http.HttpRequest.Builder request, byte[] body) {
    exchange = http.post(request, body, this);
  }

  StreamHandle handle() {
    return handle;
  }

  private void cancel() {
    abort(); // Closes the connection; what the transport then reports is ignored, the stream having ended.
    fail(new StreamCancelledException("the stream was cancelled", currentDetails()));
  }

  private void abort() {
    StreamingHttp.Exchange e = exchange;
    if (e != null) {
      e.cancel();
    }
  }

  private synchronized ErrorDetails currentDetails() {
    return details;
  }

  @Override
  public StreamingHttp.BodyMode onResponse(int code, Headers responseHeaders) {
    synchronized (this) {
      status = code;
      headers = responseHeaders;
      rateLimits = RateLimitHeaders.parseOpenAiStyle(headers, settings.clock());
      details = ChatCompletionsResponses.details(settings, code, headers, rateLimits);
    }
    if (code < 200 || code >= 300) {
      return StreamingHttp.BodyMode.WHOLE; // An error body, read whole as the blocking path reads it.
    }
    String type = responseHeaders.get("Content-Type");
    if (type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      // A server that answers a stream request with one JSON body: an error object, or a whole completion.
      return StreamingHttp.BodyMode.WHOLE;
    }
    return StreamingHttp.BodyMode.EVENTS;
  }

  @Override
  public void onBody(String body) {
    int code;
    Headers h;
    RateLimitInfo limits;
    synchronized (this) {
      code = status;
      h = headers;
      limits = rateLimits;
    }
    if (code < 200 || code >= 300) {
      fail(ChatCompletionsResponses.httpError(settings, code, h, body, limits));
      return;
    }
    replay(ChatCompletionsResponses.parse(settings, model, code, h, body, limits));
  }

  @Override
  public void onEnd(boolean atBoundary) {
    synchronized (this) {
      if (ended) {
        return;
      }
    }
    if (!done) {
      fail(new NetworkException("the stream ended before [DONE]"
          + (atBoundary ? "" : ", in the middle of an event"), currentDetails()));
      return;
    }
    complete();
  }

  @Override
  public void onFailure(Throwable failure, boolean cancelled) {
    if (failure instanceof IOException e) {
      fail(Failures.forIo(e, cancelled, currentDetails()));
    } else {
      fail(LlmProvider.unwrap(failure));
    }
  }

  @Override
  public synchronized boolean onEvent(String type, String data) {
    if (ended) {
      return false;
    }
    if (data.isEmpty()) {
      return true;
    }
    received += data.length();
    if (received > Json.MAX_BODY_BYTES) {
      // The same bound as a whole body: a runaway stream must not grow the assembled answer without limit.
      throw new ProviderException("the stream exceeded " + Json.MAX_BODY_BYTES + " characters of events", false,
          details, null);
    }
    if (data.equals("[DONE]")) {
      done = true;
      return false;
    }
    JsonNode chunk;
    try {
      chunk = Json.MAPPER.readTree(data);
    } catch (JsonProcessingException e) {
      // Jackson's message quotes the data, which may hold the answer's text.
      throw new ProviderException("a stream event is not valid JSON (" + data.length() + " chars)", false,
          details, null);
    }
    if (!chunk.isObject()) {
      throw new ProviderException("a stream event is not a JSON object", false, details, null);
    }
    JsonNode error = chunk.get("error");
    if (error != null && error.isObject()) {
      throw ChatCompletionsResponses.errorObject(error, 200,
          ChatCompletionsResponses.retryAfter(headers, error, settings.clock()), details);
    }
    if (id.isEmpty()) {
      id = ChatCompletionsResponses.textOrEmpty(chunk.get("id"));
    }
    if (answeringModel == null) {
      answeringModel = ChatCompletionsResponses.emptyToNull(ChatCompletionsResponses.textOrEmpty(chunk.get("model")));
    }
    JsonNode choice = chunk.path("choices").path(0);
    if (choice.isObject()) {
      choice(choice);
    }
    JsonNode u = chunk.get("usage");
    if (u != null && u.isObject()) {
      usage = ChatCompletionsResponses.usage(u);
      cost = ChatCompletionsResponses.cost(u);
      handler.onUsage(usage);
    }
    return true;
  }

  private void choice(JsonNode choice) {
    JsonNode delta = choice.path("delta");
    String reasoning = ChatCompletionsResponses.reasoningOf(delta);
    if (!reasoning.isEmpty()) {
      thinking.append(reasoning);
      handler.onThinkingDelta(reasoning);
    }
    String piece = ChatCompletionsResponses.textOf(delta.get("content"));
    if (!piece.isEmpty()) {
      text.append(piece);
      handler.onTextDelta(piece);
    }
    JsonNode calls = delta.path("tool_calls");
    if (calls.isArray()) {
      int position = 0;
      for (JsonNode fragment : calls) {
        int index = fragment.path("index").canConvertToInt() && fragment.has("index")
            ? fragment.path("index").intValue() : position;
        position++;
        ToolCall call = toolCalls.get(index);
        if (call == null) {
          call = new ToolCall();
          call.blockIndex = (thinking.length() > 0 ? 1 : 0) + (text.length() > 0 ? 1 : 0) + toolCalls.size();
          toolCalls.put(index, call);
        }
        String callId = ChatCompletionsResponses.textOrEmpty(fragment.get("id"));
        if (!callId.isEmpty()) {
          call.id = callId;
        }
        JsonNode fn = fragment.path("function");
        String name = ChatCompletionsResponses.textOrEmpty(fn.get("name"));
        if (!name.isEmpty() && call.name.isEmpty()) {
          call.name = name;
        }
        String args = ChatCompletionsResponses.textOrEmpty(fn.get("arguments"));
        if (!args.isEmpty()) {
          call.arguments.append(args);
          handler.onToolInputDelta(call.blockIndex, args);
        }
      }
    }
    String finish = ChatCompletionsResponses.textOrEmpty(choice.get("finish_reason"));
    if (!finish.isEmpty()) {
      if (finish.equals("error")) {
        throw new ProviderException("the model stopped with finish_reason 'error' and no error object", true,
            details, null);
      }
      if (finishReason == null) {
        finishReason = finish;
        finishToolCalls();
      }
    }
  }

  /** Parses the assembled tool calls and delivers them: they are complete once the finish reason arrives. */
  private void finishToolCalls() {
    List<ToolUseBlock> parsed = new ArrayList<>();
    int position = 0;
    for (ToolCall call : toolCalls.values()) {
      parsed.add(ChatCompletionsResponses.toolUse(call.id, call.name, call.arguments.toString(), position++,
          details));
    }
    uses = parsed;
    for (ToolUseBlock use : parsed) {
      handler.onToolUse(use);
    }
  }

  /** Ends the stream with the assembled response, after delivering the tool calls. */
  private synchronized void complete() {
    if (ended) {
      return;
    }
    if (finishReason == null) {
      throw new ProviderException("the stream sent [DONE] without a finish_reason", false, details, null);
    }
    List<ContentBlock> content = new ArrayList<>();
    if (thinking.length() > 0) {
      content.add(new ThinkingBlock(thinking.toString(), ""));
    }
    if (text.length() > 0) {
      content.add(ContentBlock.text(text.toString()));
    }
    content.addAll(uses);
    StopReason stop = ChatCompletionsResponses.stopReason(finishReason, !uses.isEmpty());
    ChatResponse response = ChatResponse.builder()
        .id(id)
        .content(content)
        .model(model.id())
        .provider(settings.id())
        .usage(usage)
        .cost(cost)
        .stopReason(stop)
        .providerRequestId(ChatCompletionsResponses.requestId(headers, id))
        .providerModel(answeringModel)
        .rateLimits(rateLimits)
        .build();
    ended = true;
    deliverComplete(response);
  }

  /** Delivers a whole response that arrived as one JSON body, as the default streaming of the SPI does. */
  private synchronized void replay(ChatResponse response) {
    if (ended) {
      return;
    }
    StreamHandler.replay(response, handler);
    ended = true;
    deliverComplete(response.toBuilder().rawBody(null).build());
  }

  /** The handler first, then the future: whoever waits on the future sees every callback done. */
  private void deliverComplete(ChatResponse response) {
    try {
      handler.onComplete(response);
    } finally {
      completion.complete(response);
    }
  }

  private synchronized void fail(LlmException error) {
    if (ended) {
      return;
    }
    ended = true;
    abort(); // Releases the connection if the failure came from the body rather than the socket.
    try {
      handler.onError(error);
    } finally {
      completion.completeExceptionally(error);
    }
  }
}

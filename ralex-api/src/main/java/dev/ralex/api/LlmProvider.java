package dev.ralex.api;

import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * A service that answers chat requests: the service-provider interface that Ralex's pipeline calls. Ralex has
 * already chosen the model, fitted the context, checked the budget and taken a rate-limit permit when it calls
 * a provider, and it retries, falls back and records usage itself; a provider makes one attempt and reports
 * what happened, as a response or as a specific {@link LlmException}.
 *
 * <p>Implementations must be thread-safe. Only {@link #id()} and {@link #chat} are required; the defaults
 * make streaming and async calls out of {@code chat}, which a provider over a network should override to
 * avoid holding a thread while it waits.
 */
public interface LlmProvider extends AutoCloseable {
  /** This provider's id, such as {@code anthropic}: the prefix of the ids of the models it serves. */
  String id();

  /**
   * The models this provider knows it serves, with their limits and prices. May be empty: the catalog
   * describes the models, and the provider serves every catalog model whose id starts with its own.
   */
  default List<ModelInfo> models() {
    return List.of();
  }

  /**
   * The model as this provider serves it, given its catalog entry: a provider may narrow what the catalog says,
   * for example drop {@link Capability#SAMPLING_PARAMETERS} when the API version it speaks refuses them, so that
   * Ralex routes such requests elsewhere instead of sending them to fail. The returned model must keep the id.
   * The default returns the entry unchanged.
   */
  default ModelInfo describe(ModelInfo catalogEntry) {
    return catalogEntry;
  }

  /**
   * The provider's batch endpoint, if it has one (such as Anthropic's Message Batches API); empty by default.
   */
  default java.util.Optional<BatchSupport> batches() {
    return java.util.Optional.empty();
  }

  /**
   * Sends one request to {@code model} and waits for the whole answer.
   *
   * @param model the model to call; its {@link ModelInfo#provider()} is this provider's id
   * @param request the request, already fitted to the model
   * @return the answer, with {@link ChatResponse#usage()} as billed; the pipeline sets the call id and cost
   *     (unless the provider reports a cost itself), the latency and the attempts
   * @throws LlmException the specific subtype for what went wrong
   */
  ChatResponse chat(ModelInfo model, ChatRequest request);

  /**
   * Sends one request and completes with the answer, or exceptionally with an {@link LlmException}. The
   * default runs {@link #chat} on {@code executor}.
   *
   * @param executor where blocking work may run, supplied by Ralex
   */
  default CompletableFuture<ChatResponse> chatAsync(ModelInfo model, ChatRequest request, Executor executor) {
    Objects.requireNonNull(executor, "executor");
    return CompletableFuture.supplyAsync(() -> chat(model, request), executor);
  }

  /**
   * Streams one answer to {@code handler}. The default calls {@link #chat} on the calling thread and delivers
   * the answer as one text delta per text block, the tool calls, the usage and the completion; a provider that
   * streams for real overrides it and returns at once.
   *
   * @return a handle to cancel the stream or await its completion
   */
  default StreamHandle stream(ModelInfo model, ChatRequest request, StreamHandler handler) {
    Objects.requireNonNull(handler, "handler");
    CompletableFuture<ChatResponse> completion = new CompletableFuture<>();
    ChatResponse response;
    try {
      response = chat(model, request);
    } catch (RuntimeException e) {
      LlmException failure = unwrap(e);
      completion.completeExceptionally(failure);
      handler.onError(failure);
      return StreamHandle.of(completion, () -> {});
    }
    StreamHandler.replay(response, handler);
    completion.complete(response);
    handler.onComplete(response);
    return StreamHandle.of(completion, () -> {});
  }

  /**
   * Estimates the input tokens {@code request} will be billed for on {@code model}: system prompt, tools and
   * every message. The default is {@link TokenEstimates#estimateInputTokens}; a provider with a tokenizer or a
   * counting endpoint can be exact.
   */
  default int estimateInputTokens(ModelInfo model, ChatRequest request) {
    return TokenEstimates.estimateInputTokens(request);
  }
  /**
   * The per-message counter context compression uses for {@code model}: it counts a long history one message at
   * a time and again only for what changed. The default is {@link TokenCounter#estimating()}; a provider with a
   * tokenizer for the model returns one. {@link #estimateInputTokens} may still be exact where this is not (a
   * counting endpoint counts whole requests).
   */
  default TokenCounter tokenCounter(ModelInfo model) {
    return TokenCounter.estimating();
  }


  /**
   * The context window of the model with this provider-side id (such as {@code claude-haiku-4-5}), if this
   * provider knows it; the default looks in {@link #models()}.
   */
  default OptionalInt contextLimit(String providerModelId) {
    Objects.requireNonNull(providerModelId, "providerModelId");
    for (ModelInfo m : models()) {
      if (m.providerModelId().equals(providerModelId)) {
        return OptionalInt.of(m.contextWindow());
      }
    }
    return OptionalInt.empty();
  }

  /** Releases connections and threads. The default does nothing. */
  @Override
  default void close() {}

  /**
   * Unwraps the {@link LlmException} from a failed future's exception, for code that joins futures; any
   * other throwable becomes a {@link ProviderException} that keeps it as the cause.
   */
  static LlmException unwrap(Throwable t) {
    Throwable cause = t;
    while (cause instanceof CompletionException || cause instanceof ExecutionException) {
      if (cause.getCause() == null) {
        break;
      }
      cause = cause.getCause();
    }
    if (cause instanceof LlmException) {
      return (LlmException) cause;
    }
    return new ProviderException("unexpected failure: " + cause, false, ErrorDetails.NONE, cause);
  }
}

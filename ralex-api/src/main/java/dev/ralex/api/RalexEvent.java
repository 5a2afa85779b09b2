package dev.ralex.api;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Something that happened during a call, delivered to {@link RalexListener}s. Every event carries the call's
 * id, so events of one call can be grouped. Events never carry API keys; the request and response they carry
 * hold prompt and completion text, which listeners must not log at INFO or above.
 */
public sealed interface RalexEvent {
  /** Ralex's id of the call this event belongs to. */
  String callId();

  /**
   * A call entered the pipeline.
   *
   * @param callId the call's id
   * @param request the request as the caller sent it
   * @param streaming whether the call streams
   * @param at when the call started, on Ralex's clock
   */
  record CallStarted(String callId, ChatRequest request, boolean streaming, Instant at) implements RalexEvent {
    /** Validates the event. */
    public CallStarted {
      Objects.requireNonNull(callId, "callId");
      Objects.requireNonNull(request, "request");
      Objects.requireNonNull(at, "at");
    }
  }

  /**
   * The selector chose a model.
   *
   * @param callId the call's id
   * @param selection the model, the fallbacks and the reason
   */
  record ModelSelected(String callId, Selection selection) implements RalexEvent {
    /** Validates the event. */
    public ModelSelected {
      Objects.requireNonNull(callId, "callId");
      Objects.requireNonNull(selection, "selection");
    }
  }

  /**
   * An attempt failed in a way that may pass, and Ralex will try the same model again after a wait.
   *
   * @param callId the call's id
   * @param model the model being retried
   * @param nextAttempt the number of the attempt about to start, counting from 1 over the whole call
   * @param cause the failure of the previous attempt
   * @param delay how long Ralex waits first
   */
  record Retrying(String callId, ModelInfo model, int nextAttempt, LlmException cause, Duration delay)
      implements RalexEvent {
    /** Validates the event. */
    public Retrying {
      Objects.requireNonNull(callId, "callId");
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(cause, "cause");
      Objects.requireNonNull(delay, "delay");
    }
  }

  /**
   * An attempt is about to be sent to a provider: the context fits, the budget is reserved and the rate-limit
   * permit is in hand.
   *
   * @param callId the call's id
   * @param model the model the attempt goes to
   * @param attempt the attempt's number, counting from 1 over the whole call
   * @param at when it starts, on Ralex's clock
   */
  record AttemptStarted(String callId, ModelInfo model, int attempt, Instant at) implements RalexEvent {
    /** Validates the event. */
    public AttemptStarted {
      Objects.requireNonNull(callId, "callId");
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(at, "at");
    }
  }

  /**
   * An attempt waited for a rate-limit permit before it could be sent.
   *
   * @param callId the call's id
   * @param model the model the attempt goes to
   * @param waited how long it waited
   */
  record RateLimitWaited(String callId, ModelInfo model, Duration waited) implements RalexEvent {
    /** Validates the event. */
    public RateLimitWaited {
      Objects.requireNonNull(callId, "callId");
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(waited, "waited");
    }
  }

  /**
   * A model's answer was rejected by the caller's validator (or the model failed for good), and Ralex moves to a
   * stronger model.
   *
   * @param callId the call's id
   * @param from the model whose answer was rejected
   * @param to the stronger model tried next
   * @param reason why, in words: the validator's reason or the failure
   */
  record Escalating(String callId, ModelInfo from, ModelInfo to, String reason) implements RalexEvent {
    /** Validates the event. */
    public Escalating {
      Objects.requireNonNull(callId, "callId");
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * A model's circuit breaker changed state: closed (calls pass), open (calls to the model fail fast until a wait
   * has passed), half-open (a few probe calls decide whether it closes again).
   *
   * @param callId the id of the call whose attempt caused the change
   * @param model the id of the model the circuit guards
   * @param from the state before
   * @param to the state now
   * @param at when it changed, on Ralex's clock
   */
  record CircuitStateChanged(String callId, String model, State from, State to, Instant at)
      implements RalexEvent {
    /** A circuit's state. */
    public enum State {
      /** Calls pass, and their outcomes are counted. */
      CLOSED,
      /** Calls fail fast without reaching the provider. */
      OPEN,
      /** A few probe calls pass; their outcomes decide between closed and open. */
      HALF_OPEN
    }

    /** Validates the event. */
    public CircuitStateChanged {
      Objects.requireNonNull(callId, "callId");
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
      Objects.requireNonNull(at, "at");
    }
  }

  /**
   * The context manager made a request smaller to fit its model's window (or a configured budget), before it was
   * sent. Says what was done, never the text.
   *
   * @param callId the call's id
   * @param model the model the request was fitted to
   * @param strategy the compression that acted, such as {@code dropOldest} or {@code summarize}
   * @param messagesDropped messages removed from the history
   * @param messagesSummarized messages replaced by a summary
   * @param toolResultsTruncated tool results cut short with a marker
   * @param tokensBefore the estimated input tokens before this step
   * @param tokensAfter the estimated input tokens after it
   */
  record ContextCompressed(String callId, ModelInfo model, String strategy, int messagesDropped,
      int messagesSummarized, int toolResultsTruncated, int tokensBefore, int tokensAfter) implements RalexEvent {
    /** Validates the event. */
    public ContextCompressed {
      Objects.requireNonNull(callId, "callId");
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(strategy, "strategy");
    }

    /** The estimated input tokens this step saved. */
    public int tokensSaved() {
      return tokensBefore - tokensAfter;
    }
  }

  /**
   * A conversation's history broke the tool pairing rules (a {@code tool_use} without its {@code tool_result} in
   * the next message, or a {@code tool_result} answering nothing, as a crash or a concurrent send can leave it)
   * and was repaired before it was sent, so the provider does not reject it.
   *
   * @param callId empty: the repair happens before the conversation's call starts
   * @param conversationId the conversation
   * @param orphanToolUseIds ids of the tool calls dropped for want of a result
   * @param orphanToolResultIds ids of the results dropped for want of a call
   * @param messagesDropped messages left empty and removed
   * @param messagesMerged messages merged into their neighbour to keep roles alternating
   */
  record HistoryRepaired(String callId, String conversationId, List<String> orphanToolUseIds,
      List<String> orphanToolResultIds, int messagesDropped, int messagesMerged) implements RalexEvent {
    /** Validates the event. */
    public HistoryRepaired {
      Objects.requireNonNull(callId, "callId");
      Objects.requireNonNull(conversationId, "conversationId");
      orphanToolUseIds = List.copyOf(orphanToolUseIds);
      orphanToolResultIds = List.copyOf(orphanToolResultIds);
    }
  }

  /**
   * A model failed for good and Ralex moves to the next model of the selection's fallbacks.
   *
   * @param callId the call's id
   * @param from the model that failed
   * @param to the model tried next
   * @param cause the failure that ended {@code from}'s attempts
   */
  record FallingBack(String callId, ModelInfo from, ModelInfo to, LlmException cause) implements RalexEvent {
    /** Validates the event. */
    public FallingBack {
      Objects.requireNonNull(callId, "callId");
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
      Objects.requireNonNull(cause, "cause");
    }
  }

  /**
   * A billed attempt's usage and cost were recorded.
   *
   * @param callId the call's id
   * @param model the model that was billed
   * @param usage the tokens billed
   * @param cost what they cost, in dollars
   * @param at when the usage was recorded, on Ralex's clock
   */
  record UsageRecorded(String callId, ModelInfo model, Usage usage, BigDecimal cost, Instant at)
      implements RalexEvent {
    /** Validates the event. */
    public UsageRecorded {
      Objects.requireNonNull(callId, "callId");
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(usage, "usage");
      Objects.requireNonNull(cost, "cost");
      Objects.requireNonNull(at, "at");
    }
  }

  /**
   * The committed spend of a budget reached its alert threshold (by default 80% of the cap) in the current
   * period. Fired once per budget per period, by the commit that crossed the threshold, whatever the number of
   * threads committing at once.
   *
   * @param callId the id of the call whose commit crossed the threshold
   * @param budget the budget's name, such as {@code daily global} or {@code monthly tag team=search}
   * @param limit the cap, in dollars
   * @param spent the committed spend of the period just after the crossing commit, in dollars
   * @param threshold the share of the cap that triggers the alert, in (0, 1]
   * @param periodStart when the budget's current period started
   */
  record BudgetAlert(String callId, String budget, BigDecimal limit, BigDecimal spent, BigDecimal threshold,
      Instant periodStart) implements RalexEvent {
    /** Validates the event. */
    public BudgetAlert {
      Objects.requireNonNull(callId, "callId");
      Objects.requireNonNull(budget, "budget");
      Objects.requireNonNull(limit, "limit");
      Objects.requireNonNull(spent, "spent");
      Objects.requireNonNull(threshold, "threshold");
      Objects.requireNonNull(periodStart, "periodStart");
    }
  }

  /**
   * The call succeeded.
   *
   * @param callId the call's id
   * @param response the answer, with its usage, cost, latency and attempts
   */
  record CallSucceeded(String callId, ChatResponse response) implements RalexEvent {
    /** Validates the event. */
    public CallSucceeded {
      Objects.requireNonNull(callId, "callId");
      Objects.requireNonNull(response, "response");
    }
  }

  /**
   * The call failed; the caller receives {@code error}.
   *
   * @param callId the call's id
   * @param error the failure
   * @param latency from the start of the call to the failure
   */
  record CallFailed(String callId, LlmException error, Duration latency) implements RalexEvent {
    /** Validates the event. */
    public CallFailed {
      Objects.requireNonNull(callId, "callId");
      Objects.requireNonNull(error, "error");
      Objects.requireNonNull(latency, "latency");
    }
  }

  /**
   * The caller rated a call's answer with {@code Ralex.rate}; the selector has been told.
   *
   * @param rating the call's id, the quality and the comment
   */
  record Rated(Rating rating) implements RalexEvent {
    /** Validates the event. */
    public Rated {
      Objects.requireNonNull(rating, "rating");
    }

    /** The rated call's id. */
    @Override
    public String callId() {
      return rating.callId();
    }
  }

  /**
   * A learning selector turned an outcome into a reward and learned from it: the bandit's side of a decision.
   *
   * @param callId the call whose outcome it was
   * @param model the model that earned the reward
   * @param reward the reward, in the selector's scale (the default reward is in [0, 1])
   * @param quality the quality the reward was computed from: a rating, a validator's verdict, or 1 or 0 from
   *     success or failure
   * @param source where the quality came from: {@code "rating"}, {@code "validator"} or {@code "outcome"}
   */
  record SelectorLearned(String callId, String model, double reward, double quality, String source)
      implements RalexEvent {
    /** Validates the event. */
    public SelectorLearned {
      Objects.requireNonNull(callId, "callId");
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(source, "source");
    }
  }

  /**
   * A stream delivered its first content (text, thinking or a tool call): the time to first chunk that users of a
   * streamed answer wait through. Fired once per call, on the attempt that delivered.
   *
   * @param callId the call's id
   * @param model the model that is answering
   * @param sinceCallStart from the start of the call, retries and waits included
   * @param sinceAttemptStart from the start of this attempt
   */
  record FirstChunk(String callId, ModelInfo model, Duration sinceCallStart, Duration sinceAttemptStart)
      implements RalexEvent {
    /** Validates the event. */
    public FirstChunk {
      Objects.requireNonNull(callId, "callId");
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(sinceCallStart, "sinceCallStart");
      Objects.requireNonNull(sinceAttemptStart, "sinceAttemptStart");
    }
  }

  /**
   * A call was answered from the response cache: no model was called and nothing was billed.
   *
   * @param callId the call's id
   * @param model the model whose answer was cached
   * @param saved what the cached answer cost when it was made: what this call did not spend
   * @param at when the call was served, on Ralex's clock
   */
  record CacheHit(String callId, String model, BigDecimal saved, Instant at) implements RalexEvent {
    /** Validates the event. */
    public CacheHit {
      Objects.requireNonNull(callId, "callId");
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(saved, "saved");
      Objects.requireNonNull(at, "at");
    }
  }
}

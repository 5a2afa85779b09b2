package dev.ralex.core;

import dev.ralex.api.BatchItem;
import dev.ralex.api.BatchJob;
import dev.ralex.api.BatchResult;
import dev.ralex.api.BatchSupport;
import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.InvalidRequestException;
import dev.ralex.api.LlmException;
import dev.ralex.api.LlmTimeoutException;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.StreamCancelledException;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A batch submitted with {@link Ralex#submitBatch}: many requests answered within hours at the provider's batch
 * price (half price on Anthropic). Budgets hold for batches as for every call: at submission each request's
 * worst case at the batch price is reserved against every budget it falls under, all or none, and the batch is
 * refused with a {@link BudgetExceededException} if any would overflow; as results come in, each answer is
 * priced at the batch price, recorded ({@link RalexEvent.UsageRecorded}, budget alerts) and its reservation
 * settled, and failed, cancelled and expired requests release theirs.
 *
 * <p>Reservations live in this object: a process that ends before collecting the results loses them (they were
 * never spend), and the batch's spend is recorded by whichever process collects it. A process that starts again
 * takes the batch up with {@link Ralex#resumeBatch}, given the requests it submitted: it reserves their worst
 * cases again and records the results as they come, skipping those already recorded (found by their call ids,
 * {@code batch-<batch id>-<custom id>}, among the usage records since the batch was created). Batches do not take
 * rate-limit permits: providers limit batch traffic apart from the Messages API.
 *
 * <p>Thread-safe; results are recorded exactly once, however often they are read.
 */
public final class Batch {
  private static final Logger LOG = LoggerFactory.getLogger(Batch.class);
  /** The first wait between polls of {@link #awaitResults}; doubled after each poll up to {@link #MAX_POLL}. */
  public static final Duration FIRST_POLL = Duration.ofSeconds(5);
  /** The longest wait between polls. */
  public static final Duration MAX_POLL = Duration.ofSeconds(60);

  private final Ralex ralex;
  private final ModelInfo model;
  private final BatchSupport api;
  private final BatchJob submitted;
  private final BigDecimal priceFactor;
  private final Map<String, Pending> pending; // guarded by this; removed as results are recorded
  private List<BatchResult> results; // guarded by this

  private record Pending(ChatRequest request, UsageTracker.Reservation reservation) {}

  private Batch(Ralex ralex, ModelInfo model, BatchSupport api, BatchJob submitted, BigDecimal priceFactor,
      Map<String, Pending> pending) {
    this.ralex = ralex;
    this.model = model;
    this.api = api;
    this.submitted = submitted;
    this.priceFactor = priceFactor;
    this.pending = pending;
  }

  /** Checks, reserves and submits; see {@link Ralex#submitBatch}. */
  static Batch submit(Ralex ralex, String modelId, List<BatchItem> items) {
    Checked c = check(ralex, modelId, items);
    Map<String, Pending> pending = new LinkedHashMap<>();
    List<BatchItem> fitted = new ArrayList<>(items.size());
    try {
      for (BatchItem item : items) {
        Fitted f = c.fit(ralex, item);
        pending.put(item.customId(), new Pending(f.request(), ralex.usage.reserve(f.request(), c.model(),
            f.worstCase())));
        fitted.add(BatchItem.of(item.customId(), f.request()));
      }
      BatchJob job = c.api().submit(c.model(), fitted);
      return new Batch(ralex, c.model(), c.api(), job, c.factor(), pending);
    } catch (RuntimeException e) {
      releaseAll(pending);
      throw e;
    }
  }

  /** Retrieves, skips what is recorded, reserves; see {@link Ralex#resumeBatch}. */
  static Batch resume(Ralex ralex, String modelId, String batchId, List<BatchItem> items) {
    Objects.requireNonNull(batchId, "batchId");
    Checked c = check(ralex, modelId, items);
    if (batchId.isBlank()) {
      throw new InvalidRequestException("a batch id must not be blank", ErrorDetails.of(c.model().provider()));
    }
    BatchJob job = c.api().retrieve(batchId);
    // The results a process already recorded keep their call ids: those requests are not recorded again. From a
    // day before the batch was created, since its clock (the provider's) and Ralex's need not agree.
    Set<String> recorded = new HashSet<>();
    String prefix = callIdPrefix(job.id());
    for (UsageRecord r : ralex.usage.records(job.createdAt().minus(Duration.ofDays(1)),
        ralex.clock.instant().plusNanos(1))) {
      if (r.callId().startsWith(prefix)) {
        recorded.add(r.callId().substring(prefix.length()));
      }
    }
    Map<String, Pending> pending = new LinkedHashMap<>();
    List<String> overflowing = new ArrayList<>();
    try {
      for (BatchItem item : items) {
        if (recorded.contains(item.customId())) {
          continue;
        }
        Fitted f = c.fit(ralex, item);
        UsageTracker.Reservation reservation;
        try {
          reservation = ralex.usage.reserve(f.request(), c.model(), f.worstCase());
        } catch (BudgetExceededException e) {
          // The provider is answering the request whatever the budget says: reserve nothing, record what it costs.
          reservation = ralex.usage.reserve(f.request(), c.model(), BigDecimal.ZERO);
          overflowing.add(item.customId() + " (" + e.budget() + ")");
        }
        pending.put(item.customId(), new Pending(f.request(), reservation));
      }
    } catch (RuntimeException e) {
      releaseAll(pending);
      throw e;
    }
    if (!overflowing.isEmpty()) {
      LOG.warn("batch {} resumed with {} request(s) whose worst case no longer fits their budget, so nothing is "
          + "reserved for them and their cost is recorded as it comes: {}", job.id(), overflowing.size(),
          overflowing);
    }
    if (!recorded.isEmpty()) {
      LOG.debug("batch {} resumed: {} result(s) already recorded are not recorded again", job.id(), recorded.size());
    }
    return new Batch(ralex, c.model(), c.api(), job, c.factor(), pending);
  }

  /** A batch's model, endpoint and price factor, once the arguments are checked. */
  private record Checked(ModelInfo model, BatchSupport api, BigDecimal factor, ModelTokens tokens) {
    /** The request as it is sent (fitted by the context manager) and its worst case at the batch price. */
    Fitted fit(Ralex ralex, BatchItem item) {
      int maxOutput = ralex.maxOutputTokens(item.request(), model);
      ChatRequest request = item.request().withModel(model.id()).withMaxOutputTokens(maxOutput);
      ContextManager.Fit fit = ralex.contextManager.fit(request, model, maxOutput, tokens);
      return new Fitted(fit.request(),
          model.pricing().worstCaseCost(fit.inputTokens(), maxOutput).multiply(factor));
    }
  }

  private record Fitted(ChatRequest request, BigDecimal worstCase) {}

  private static Checked check(Ralex ralex, String modelId, List<BatchItem> items) {
    Objects.requireNonNull(modelId, "modelId");
    Objects.requireNonNull(items, "items");
    ModelInfo model = ralex.model(modelId);
    BatchSupport api = ralex.providers.get(model.provider()).batches().orElseThrow(() ->
        new InvalidRequestException("provider " + model.provider() + " has no batch endpoint",
            ErrorDetails.of(model.provider())));
    if (items.isEmpty()) {
      throw new InvalidRequestException("a batch needs at least one request", ErrorDetails.of(model.provider()));
    }
    Set<String> ids = new HashSet<>();
    for (BatchItem item : items) {
      Objects.requireNonNull(item, "item");
      if (!ids.add(item.customId())) {
        throw new InvalidRequestException("custom id '" + item.customId() + "' is used twice in the batch",
            ErrorDetails.of(model.provider()));
      }
    }
    return new Checked(model, api, api.priceFactor(),
        new ModelTokens(ralex.providers.get(model.provider()), model, ralex.calibration.ratio(model)));
  }

  private static void releaseAll(Map<String, Pending> pending) {
    for (Pending p : pending.values()) {
      p.reservation().release();
    }
  }

  /** The call ids of a batch's results are this prefix and the request's custom id. */
  private static String callIdPrefix(String batchId) {
    return "batch-" + batchId + "-";
  }

  /** The provider's id of the batch. */
  public String id() {
    return submitted.id();
  }

  /** The model every request of the batch went to. */
  public ModelInfo model() {
    return model;
  }

  /** The batch as the provider reported it at submission. */
  public BatchJob submitted() {
    return submitted;
  }

  /** The batch's state now: one request to the provider. */
  public BatchJob status() {
    return api.retrieve(id());
  }

  /** Asks the provider to cancel the requests not yet processed; their reservations go when results are read. */
  public BatchJob cancel() {
    return api.cancel(id());
  }

  /**
   * Polls until the batch has ended, waiting {@link #FIRST_POLL} at first and twice as long after each poll up to
   * {@link #MAX_POLL} (on Ralex's {@code Sleeper}), then returns its {@link #results()}.
   *
   * @throws LlmTimeoutException if it has not ended within {@code maxWait}; the batch goes on, and this may be
   *     called again
   * @throws StreamCancelledException if the thread is interrupted while waiting
   */
  public List<BatchResult> awaitResults(Duration maxWait) {
    Objects.requireNonNull(maxWait, "maxWait");
    Instant deadline = ralex.clock.instant().plus(maxWait);
    Duration wait = FIRST_POLL;
    BatchJob job = status();
    while (!job.isEnded()) {
      Duration left = Duration.between(ralex.clock.instant(), deadline);
      if (left.isNegative() || left.isZero()) {
        throw new LlmTimeoutException("batch " + id() + " has not ended within " + maxWait + " ("
            + job.counts().processing() + " of " + job.counts().total() + " requests still processing)",
            ErrorDetails.of(model.provider()));
      }
      try {
        ralex.sleeper.sleep(wait.compareTo(left) < 0 ? wait : left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StreamCancelledException("interrupted while waiting for batch " + id(),
            ErrorDetails.of(model.provider()));
      }
      wait = wait.multipliedBy(2).compareTo(MAX_POLL) > 0 ? MAX_POLL : wait.multipliedBy(2);
      job = status();
    }
    return results();
  }

  /**
   * The results of the ended batch, in the provider's order, each answer with its cost at the batch price. The
   * first call that succeeds records them (usage, budgets, events); later calls return the same list.
   *
   * @throws InvalidRequestException if the batch has not ended yet
   * @throws LlmException if the results cannot be fetched; nothing is recorded then, and this may be called again
   */
  public synchronized List<BatchResult> results() {
    if (results != null) {
      return results;
    }
    List<BatchResult> fetched = api.results(id(), model);
    List<BatchResult> out = new ArrayList<>(fetched.size());
    Instant now = ralex.clock.instant();
    for (BatchResult r : fetched) {
      Pending p = pending.remove(r.customId());
      if (p == null) {
        out.add(r); // Not ours (or repeated): reported, never recorded twice.
        continue;
      }
      if (r.outcome() != BatchResult.Outcome.SUCCEEDED) {
        p.reservation().release();
        out.add(r);
        continue;
      }
      ChatResponse answer = r.response().orElseThrow();
      Usage usage = answer.usage();
      BigDecimal cost = model.pricing().costOf(usage).multiply(priceFactor);
      String callId = callIdPrefix(id()) + r.customId();
      List<RalexEvent.BudgetAlert> alerts = p.reservation().commitAlerting(new UsageRecord(callId, now,
          model.id(), model.provider(), usage, cost, p.request().tags(),
          p.request().conversationId().orElse(null)));
      if (!ralex.listeners.isEmpty()) {
        ralex.listeners.fire(new RalexEvent.UsageRecorded(callId, model, usage, cost, now));
        for (RalexEvent.BudgetAlert alert : alerts) {
          ralex.listeners.fire(alert);
        }
      }
      out.add(r.withResponse(answer.toBuilder().callId(callId).model(model.id()).provider(model.provider())
          .cost(cost).build()));
    }
    // Requests the provider returned no result for were never billed.
    for (Pending p : pending.values()) {
      p.reservation().release();
    }
    pending.clear();
    results = List.copyOf(out);
    return results;
  }

  @Override
  public String toString() {
    return "Batch[" + id() + ", " + model.id() + ", " + submitted.counts().total() + " requests]";
  }
}

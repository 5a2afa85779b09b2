package dev.ralex.api;

import java.math.BigDecimal;
import java.util.List;

/**
 * A provider's batch endpoint: many requests submitted at once, answered within hours at a lower price. Ralex
 * checks, budgets and records batch calls like any other ({@code Ralex.submitBatch}); a provider only speaks
 * the protocol. Implementations must be thread-safe; every method makes one blocking HTTP exchange and throws
 * the specific {@link LlmException} for what went wrong.
 */
public interface BatchSupport {
  /**
   * What a batch call costs as a share of the same call made at once, such as {@code 0.5}; applied to every kind
   * of token.
   */
  BigDecimal priceFactor();

  /**
   * Submits {@code items}, all for {@code model}.
   *
   * @throws LlmException if the provider refuses the batch
   */
  BatchJob submit(ModelInfo model, List<BatchItem> items);

  /** The batch's current state. */
  BatchJob retrieve(String batchId);

  /**
   * The results of an {@linkplain BatchJob#isEnded() ended} batch, one per request, in the provider's order;
   * each response carries the usage the provider reports and the model it was sent to.
   *
   * @param model the model the batch was submitted for
   */
  List<BatchResult> results(String batchId, ModelInfo model);

  /** Asks the provider to cancel the batch; returns its state after the request. */
  BatchJob cancel(String batchId);
}

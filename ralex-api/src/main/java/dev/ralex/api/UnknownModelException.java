package dev.ralex.api;

import java.util.List;

/**
 * A request or configuration named a model that no configured provider serves. The message lists the known
 * models so the caller can see what was meant. Not retryable.
 */
public class UnknownModelException extends InvalidRequestException {
  private static final long serialVersionUID = 1L;

  private final String modelId;

  /**
   * Creates the exception.
   *
   * @param modelId the unknown id
   * @param knownModels the ids Ralex knows, listed in the message
   */
  public UnknownModelException(String modelId, List<String> knownModels) {
    super("unknown model '" + modelId + "'; known models: " + knownModels, ErrorDetails.NONE);
    this.modelId = modelId;
  }

  /** The unknown id. */
  public String modelId() {
    return modelId;
  }
}

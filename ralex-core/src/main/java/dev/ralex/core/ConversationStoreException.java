package dev.ralex.core;

/**
 * A {@link ConversationStore} could not read or write a conversation: an I/O failure, or a stored file that is
 * corrupt (the message names the file). History is never dropped silently instead.
 */
public class ConversationStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed, naming the conversation or file
   * @param cause the underlying failure, or {@code null}
   */
  public ConversationStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}

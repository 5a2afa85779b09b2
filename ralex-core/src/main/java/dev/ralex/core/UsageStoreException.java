package dev.ralex.core;

/**
 * A {@link UsageStore} could not store or read usage: an I/O failure, a corrupt journal (the message names the
 * file and the offset), a directory already in use. Usage is never dropped silently instead.
 */
public class UsageStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed, naming the file or store
   * @param cause the underlying failure, or {@code null}
   */
  public UsageStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}

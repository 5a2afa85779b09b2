package dev.ralex.store.redis;

/**
 * A Redis store could not do what was asked: the server was unreachable after the allowed retries, refused a
 * command, or held data this version cannot read. The message names the operation and the key. Unchecked.
 */
public class RedisStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed, naming the operation and the key
   * @param cause the underlying failure, or {@code null}
   */
  public RedisStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}

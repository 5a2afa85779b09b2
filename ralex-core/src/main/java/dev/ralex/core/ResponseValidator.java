package dev.ralex.core;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import java.util.Objects;

/**
 * The caller's check of an answer before Ralex returns it: the "review, then escalate" step. An answer it
 * rejects is paid for (its usage is recorded like any other) and the call escalates to a stronger model; when
 * no stronger model is left the call fails with a {@code ResponseRejectedException} carrying the last answer.
 * Applies to {@link Ralex#chat} and {@link Ralex#chatAsync}; a stream has delivered its answer by the time it
 * could be judged, so streams are not validated. Implementations must be thread-safe and should be fast: they
 * run on the thread that completes the call.
 */
@FunctionalInterface
public interface ResponseValidator {
  /** Accepts every answer. */
  ResponseValidator ACCEPT_ALL = (request, response) -> Verdict.accept();

  /** Judges {@code response}, the answer to {@code request}. An exception thrown here fails the call. */
  Verdict validate(ChatRequest request, ChatResponse response);

  /**
   * A validator's judgement.
   *
   * @param accepted whether the answer may be returned
   * @param reason why it was rejected, in words (for events and the exception; must not contain secrets); empty
   *     when accepted
   */
  record Verdict(boolean accepted, String reason) {
    private static final Verdict ACCEPTED = new Verdict(true, "");

    /** Validates the verdict: a rejection needs a reason. */
    public Verdict {
      Objects.requireNonNull(reason, "reason");
      if (!accepted && reason.isBlank()) {
        throw new IllegalArgumentException("a rejection needs a reason");
      }
    }

    /** The answer may be returned. */
    public static Verdict accept() {
      return ACCEPTED;
    }

    /** The answer is rejected, for {@code reason}. */
    public static Verdict reject(String reason) {
      return new Verdict(false, reason);
    }
  }
}

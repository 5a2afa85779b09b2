package dev.ralex.api;

import java.util.Map;

/**
 * Why the model stopped. An open type: the known reasons are constants, and a reason a provider adds later is
 * kept as its raw string ({@link #isKnown()} is then false) instead of failing the call. Compare with
 * {@code equals}, which compares the raw strings.
 */
public final class StopReason {
  /** The model finished its turn. */
  public static final StopReason END_TURN = new StopReason("end_turn", true);
  /** The answer reached the requested maximum output tokens. */
  public static final StopReason MAX_TOKENS = new StopReason("max_tokens", true);
  /** The model produced one of the request's stop sequences. */
  public static final StopReason STOP_SEQUENCE = new StopReason("stop_sequence", true);
  /** The model wants to call one or more tools. */
  public static final StopReason TOOL_USE = new StopReason("tool_use", true);
  /** The provider paused a long-running turn; send the response back to let it continue. */
  public static final StopReason PAUSE_TURN = new StopReason("pause_turn", true);
  /** The model declined to answer. */
  public static final StopReason REFUSAL = new StopReason("refusal", true);
  /** The model's context window filled up while it was answering. */
  public static final StopReason CONTEXT_WINDOW_EXCEEDED = new StopReason("model_context_window_exceeded", true);

  private static final Map<String, StopReason> KNOWN = Map.of(
      END_TURN.raw, END_TURN,
      MAX_TOKENS.raw, MAX_TOKENS,
      STOP_SEQUENCE.raw, STOP_SEQUENCE,
      TOOL_USE.raw, TOOL_USE,
      PAUSE_TURN.raw, PAUSE_TURN,
      REFUSAL.raw, REFUSAL,
      CONTEXT_WINDOW_EXCEEDED.raw, CONTEXT_WINDOW_EXCEEDED);

  private final String raw;
  private final boolean known;

  private StopReason(String raw, boolean known) {
    this.raw = raw;
    this.known = known;
  }

  /**
   * The stop reason named {@code raw} in the Anthropic Messages API's vocabulary ({@code end_turn}, {@code
   * max_tokens}, ...): a constant for a known name, else a new unknown reason that keeps the name.
   */
  public static StopReason of(String raw) {
    Checks.notBlank(raw, "raw");
    StopReason known = KNOWN.get(raw);
    return known != null ? known : new StopReason(raw, false);
  }

  /** The provider's string for this reason. */
  public String raw() {
    return raw;
  }

  /** Whether this is one of the constants of this class. */
  public boolean isKnown() {
    return known;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StopReason && ((StopReason) o).raw.equals(raw);
  }

  @Override
  public int hashCode() {
    return raw.hashCode();
  }

  @Override
  public String toString() {
    return raw;
  }
}

package dev.ralex.core;

import dev.ralex.api.CircuitOpenException;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.LlmException;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.RalexEvent;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One Resilience4j circuit breaker per model, created on first use from the {@link CircuitBreakerPolicy}, on
 * Ralex's clock. State changes become {@link RalexEvent.CircuitStateChanged} events carrying the id of the call
 * whose attempt caused them. Thread-safe.
 */
final class CircuitBreakers {
  /** The call whose attempt is being reported, so a state change it causes can name it. */
  private static final ThreadLocal<String> CURRENT_CALL = new ThreadLocal<>();

  private final CircuitBreakerPolicy policy;
  private final CircuitBreakerConfig config;
  private final Clock clock;
  private final Listeners listeners;
  private final ConcurrentHashMap<String, Circuit> byModel = new ConcurrentHashMap<>();

  CircuitBreakers(CircuitBreakerPolicy policy, Clock clock, Listeners listeners) {
    this.policy = policy;
    this.clock = clock;
    this.listeners = listeners;
    this.config = CircuitBreakerConfig.custom()
        .failureRateThreshold(policy.failureRateThreshold())
        .slowCallRateThreshold(policy.slowCallRateThreshold())
        .slowCallDurationThreshold(policy.slowCallDuration())
        .slidingWindow(policy.slidingWindowSize(), policy.minimumCalls(),
            CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .waitDurationInOpenState(policy.waitInOpenState())
        .permittedNumberOfCallsInHalfOpenState(policy.probeCalls())
        .clock(clock)
        .build();
  }

  /**
   * Asks to send an attempt to {@code model}.
   *
   * @return the guard to report the attempt's outcome to
   * @throws CircuitOpenException if the model's circuit is open (or half-open with its probes taken)
   */
  Guard acquire(String callId, ModelInfo model) {
    if (!policy.enabled()) {
      return Guard.NONE;
    }
    Circuit circuit = byModel.computeIfAbsent(model.id(), this::newCircuit);
    boolean permitted;
    CURRENT_CALL.set(callId);
    try {
      permitted = circuit.breaker.tryAcquirePermission();
    } finally {
      CURRENT_CALL.remove();
    }
    if (!permitted) {
      Instant opened = circuit.openedAt;
      Duration left = opened == null ? null
          : Duration.between(clock.instant(), opened.plus(policy.waitInOpenState()));
      throw new CircuitOpenException(model.id(), left == null || left.isNegative() ? null : left,
          ErrorDetails.of(model.provider()));
    }
    return new Guard(circuit.breaker, callId);
  }

  /** The state of {@code model}'s circuit; closed for a model never called. */
  RalexEvent.CircuitStateChanged.State state(String modelId) {
    Circuit circuit = byModel.get(modelId);
    return circuit == null ? RalexEvent.CircuitStateChanged.State.CLOSED : map(circuit.breaker.getState());
  }

  private Circuit newCircuit(String modelId) {
    Circuit circuit = new Circuit(CircuitBreaker.of(modelId, config));
    circuit.breaker.getEventPublisher().onStateTransition(e -> {
      CircuitBreaker.State to = e.getStateTransition().getToState();
      if (to == CircuitBreaker.State.OPEN || to == CircuitBreaker.State.FORCED_OPEN) {
        circuit.openedAt = clock.instant();
      }
      if (!listeners.isEmpty()) {
        String callId = CURRENT_CALL.get();
        listeners.fire(new RalexEvent.CircuitStateChanged(callId != null ? callId : "", modelId,
            map(e.getStateTransition().getFromState()), map(to), clock.instant()));
      }
    });
    return circuit;
  }

  private static RalexEvent.CircuitStateChanged.State map(CircuitBreaker.State state) {
    switch (state) {
      case OPEN:
      case FORCED_OPEN:
        return RalexEvent.CircuitStateChanged.State.OPEN;
      case HALF_OPEN:
        return RalexEvent.CircuitStateChanged.State.HALF_OPEN;
      default:
        return RalexEvent.CircuitStateChanged.State.CLOSED;
    }
  }

  /** Whether a failure says the model or its provider is unhealthy, rather than something about the request. */
  static boolean countsAsFailure(LlmException e) {
    switch (e.kind()) {
      case OVERLOADED:
      case UNAVAILABLE:
      case TIMEOUT:
      case NETWORK:
      case PROVIDER_ERROR:
        return true;
      default:
        return false;
    }
  }

  private static final class Circuit {
    final CircuitBreaker breaker;
    volatile Instant openedAt;

    Circuit(CircuitBreaker breaker) {
      this.breaker = breaker;
    }
  }

  /** One permitted attempt; report its outcome once. */
  static class Guard {
    static final Guard NONE = new Guard(null, null);

    private final CircuitBreaker breaker;
    private final String callId;

    Guard(CircuitBreaker breaker, String callId) {
      this.breaker = breaker;
      this.callId = callId;
    }

    /** The provider answered, in {@code duration}. */
    void succeeded(Duration duration) {
      if (breaker != null) {
        CURRENT_CALL.set(callId);
        try {
          breaker.onSuccess(duration.toNanos(), TimeUnit.NANOSECONDS);
        } finally {
          CURRENT_CALL.remove();
        }
      }
    }

    /** The attempt failed with {@code error} after {@code duration}; counted only if it says the model is unwell. */
    void failed(Duration duration, LlmException error) {
      if (breaker != null) {
        CURRENT_CALL.set(callId);
        try {
          if (countsAsFailure(error)) {
            breaker.onError(duration.toNanos(), TimeUnit.NANOSECONDS, error);
          } else {
            breaker.releasePermission();
          }
        } finally {
          CURRENT_CALL.remove();
        }
      }
    }

    /** The attempt never reached the provider. */
    void released() {
      if (breaker != null) {
        breaker.releasePermission();
      }
    }
  }
}

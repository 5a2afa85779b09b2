package dev.ralex.core;

import dev.ralex.api.ErrorDetails;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.RateLimitInfo;
import dev.ralex.api.RateLimitedException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link RateLimiter} over token buckets (kept in a {@link RateLimitStore}) that refill continuously at their
 * per-window rate and start full, plus what the providers' headers teach it.
 *
 * <p>Written here rather than on Resilience4j's RateLimiter: that one reads {@code System.nanoTime()} directly,
 * so its waits cannot run on an injected clock; it cannot give tokens back once an attempt's real count is known;
 * its permits refresh in whole periods rather than continuously (a burst at each period boundary, which the
 * providers' own continuously-refilling buckets refuse); and its state cannot live in a shared store. The scheme
 * is reservation-based: a caller takes from every bucket at once, possibly into debt, and then sleeps outside any
 * lock until the debt it joined behind is repaid. Takes happen in arrival order, so waiting callers are served
 * first come, first served.
 */
final class BucketRateLimiter implements RateLimiter {
  /** How long a call waits for a learned limit (one the user did not configure) before it fails. */
  private static final long LEARNED_MAX_WAIT_MILLIS = 60_000;
  private static final long MINUTE_MILLIS = 60_000;

  private final List<RateLimit> limits;
  private final RateLimitStore store;
  private final boolean adaptive;
  private final Clock clock;
  private final Sleeper sleeper;
  private final Map<String, Spec[]> configuredByModel = new ConcurrentHashMap<>();
  private final Map<String, Learned> learnedByModel = new ConcurrentHashMap<>();

  BucketRateLimiter(List<RateLimit> limits, RateLimitStore store, boolean adaptive, Clock clock, Sleeper sleeper) {
    this.limits = List.copyOf(limits);
    this.store = Objects.requireNonNull(store, "store");
    this.adaptive = adaptive;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
  }

  BucketRateLimiter(List<RateLimit> limits, Clock clock, Sleeper sleeper) {
    this(limits, RateLimitStore.inMemory(), false, clock, sleeper);
  }

  @Override
  public Permit acquire(ModelInfo model, long tokens) {
    Spec[] specs = specsFor(model);
    long now = clock.millis();
    long waitMillis = 0;
    Learned learned = adaptive ? learnedByModel.get(model.id()) : null;
    if (learned != null) {
      long pause = learned.pausedUntilMillis - now;
      if (pause > LEARNED_MAX_WAIT_MILLIS) {
        throw new RateLimitedException("the provider asked to pause calls to " + model.id() + " for "
            + pause + " ms", Duration.ofMillis(pause), ErrorDetails.NONE);
      }
      waitMillis = Math.max(0, pause);
    }
    if (specs.length == 0 && waitMillis == 0) {
      return Permit.NONE;
    }
    // Take from every bucket, or from none: a refusal by a later bucket gives back what earlier ones took.
    int taken = 0;
    try {
      for (; taken < specs.length; taken++) {
        Spec s = specs[taken];
        double amount = s.isRequests ? 1 : tokens;
        if (amount > s.capacity) {
          throw new RateLimitedException("a call needing " + tokens + " tokens can never pass the limit of "
              + s.capacity + " tokens per " + s.window() + " on '" + s.scope + "'", null, ErrorDetails.NONE);
        }
        long wait = store.take(s.key, s.capacity, s.windowMillis, amount, s.maxWaitMillis, now);
        if (wait < 0) {
          Duration until = Duration.ofMillis(-1 - wait);
          throw new RateLimitedException("rate limit of " + s.capacity + " " + s.unit() + " per " + s.window()
              + " on '" + s.scope + "' reached; next permit in " + until.toMillis() + " ms", until,
              ErrorDetails.NONE);
        }
        waitMillis = Math.max(waitMillis, wait);
      }
    } catch (RateLimitedException e) {
      giveBack(specs, taken, tokens, now);
      throw e;
    }
    if (waitMillis > 0) {
      try {
        sleeper.sleep(Duration.ofMillis(waitMillis));
      } catch (InterruptedException e) {
        giveBack(specs, specs.length, tokens, clock.millis());
        Thread.currentThread().interrupt();
        throw new RateLimitedException("interrupted while waiting for a rate-limit permit for " + model.id(),
            null, ErrorDetails.NONE, e);
      }
    }
    return specs.length == 0 ? new WaitedPermit(waitMillis) : new BucketPermit(specs, tokens, waitMillis);
  }

  @Override
  public void observe(ModelInfo model, RateLimitInfo info) {
    if (!adaptive || info == null || info.isEmpty()) {
      return;
    }
    long now = clock.millis();
    Spec[] configured = specsOfLimits(model);
    Learned learned = learnedByModel.computeIfAbsent(model.id(), id -> new Learned());
    synchronized (learned) {
      if (info.requests() != null && info.requests().limit() > 0 && !hasKind(configured, true)) {
        learned.requests = learnedSpec(learned.requests, model.id(), true, info.requests().limit());
      }
      RateLimitInfo.Window tokenWindow = info.tokens();
      if (tokenWindow != null && tokenWindow.limit() > 0 && !hasKind(configured, false)) {
        learned.tokens = learnedSpec(learned.tokens, model.id(), false, tokenWindow.limit());
      }
      if (info.retryAfter() != null && !info.retryAfter().isNegative()) {
        learned.pausedUntilMillis = Math.max(learned.pausedUntilMillis, now + info.retryAfter().toMillis());
      }
    }
    // The server's count wins when it is lower: its remaining already excludes what this client sent.
    for (Spec s : specsFor(model)) {
      RateLimitInfo.Window w = s.isRequests ? info.requests() : info.tokens();
      if (w != null && w.remaining() >= 0) {
        store.lowerTo(s.key, s.capacity, s.windowMillis, Math.min(w.remaining(), s.capacity), now);
      }
    }
  }

  private static boolean hasKind(Spec[] specs, boolean requests) {
    for (Spec s : specs) {
      if (s.isRequests == requests) {
        return true;
      }
    }
    return false;
  }

  private static Spec learnedSpec(Spec current, String modelId, boolean requests, long limit) {
    if (current != null && current.capacity == limit) {
      return current;
    }
    // The capacity is part of the key: a raised or lowered limit starts a bucket of its own size.
    return new Spec("learned:" + modelId + (requests ? ":requests:" : ":tokens:") + limit, modelId + " (learned)",
        limit, MINUTE_MILLIS, requests, LEARNED_MAX_WAIT_MILLIS);
  }

  private void giveBack(Spec[] specs, int count, long tokens, long now) {
    for (int i = 0; i < count; i++) {
      Spec s = specs[i];
      store.giveBack(s.key, s.capacity, s.windowMillis, s.isRequests ? 1 : tokens, now);
    }
  }

  /** The buckets an attempt on {@code model} takes from: configured ones, then learned ones of other kinds. */
  private Spec[] specsFor(ModelInfo model) {
    Spec[] configured = specsOfLimits(model);
    Learned learned = adaptive ? learnedByModel.get(model.id()) : null;
    if (learned == null) {
      return configured;
    }
    Spec requests;
    Spec tokens;
    synchronized (learned) {
      requests = learned.requests;
      tokens = learned.tokens;
    }
    if (requests == null && tokens == null) {
      return configured;
    }
    List<Spec> all = new ArrayList<>(List.of(configured));
    if (requests != null) {
      all.add(requests);
    }
    if (tokens != null) {
      all.add(tokens);
    }
    return all.toArray(new Spec[0]);
  }

  private Spec[] specsOfLimits(ModelInfo model) {
    Spec[] specs = configuredByModel.get(model.id());
    return specs != null ? specs : configuredByModel.computeIfAbsent(model.id(), id -> configuredSpecs(model));
  }

  private Spec[] configuredSpecs(ModelInfo model) {
    List<Spec> list = new ArrayList<>();
    for (RateLimit limit : limits) {
      if (limit.appliesTo(model.id(), model.provider())) {
        long maxWait = switch (limit.onLimit()) {
          case WAIT -> limit.maxWait().toMillis();
          case FAIL_FAST -> 0;
          case QUEUE -> Long.MAX_VALUE;
        };
        String key = "limit:" + limit.scope() + ":" + limit.window().toMillis();
        if (limit.requestsPerMinute() > 0) {
          list.add(new Spec(key + ":requests", limit.scope(), limit.requestsPerMinute(), limit.window().toMillis(),
              true, maxWait));
        }
        if (limit.tokensPerMinute() > 0) {
          list.add(new Spec(key + ":tokens", limit.scope(), limit.tokensPerMinute(), limit.window().toMillis(),
              false, maxWait));
        }
      }
    }
    return list.toArray(new Spec[0]);
  }

  /** The balance of the bucket of {@code scope}'s limit of this kind; for tests. */
  double balance(RateLimit limit, boolean requests) {
    long capacity = requests ? limit.requestsPerMinute() : limit.tokensPerMinute();
    return store.balance("limit:" + limit.scope() + ":" + limit.window().toMillis()
        + (requests ? ":requests" : ":tokens"), capacity, limit.window().toMillis(), clock.millis());
  }

  /** One bucket: its key in the store, its size and window, and what it counts. */
  private record Spec(String key, String scope, long capacity, long windowMillis, boolean isRequests,
      long maxWaitMillis) {
    String unit() {
      return isRequests ? "requests" : "tokens";
    }

    String window() {
      return windowMillis == MINUTE_MILLIS ? "minute" : Duration.ofMillis(windowMillis).toString();
    }
  }

  /** What a model's responses taught: limits the user did not configure, and a pause a 429 asked for. */
  private static final class Learned {
    Spec requests;
    Spec tokens;
    long pausedUntilMillis;
  }

  private static final class WaitedPermit implements Permit {
    private final long waitedMillis;

    WaitedPermit(long waitedMillis) {
      this.waitedMillis = waitedMillis;
    }

    @Override
    public void complete(long actualTokens) {}

    @Override
    public void cancel() {}

    @Override
    public Duration waited() {
      return Duration.ofMillis(waitedMillis);
    }
  }

  private final class BucketPermit implements Permit {
    private final Spec[] specs;
    private final long reservedTokens;
    private final long waitedMillis;
    private boolean done;

    BucketPermit(Spec[] specs, long reservedTokens, long waitedMillis) {
      this.specs = specs;
      this.reservedTokens = reservedTokens;
      this.waitedMillis = waitedMillis;
    }

    @Override
    public void complete(long actualTokens) {
      synchronized (this) {
        if (done) {
          return;
        }
        done = true;
      }
      long now = clock.millis();
      for (Spec s : specs) {
        if (!s.isRequests && reservedTokens != actualTokens) {
          long difference = reservedTokens - actualTokens;
          if (difference > 0) {
            store.giveBack(s.key, s.capacity, s.windowMillis, difference, now);
          } else {
            // Used more than reserved (an estimate that fell short): the bucket owes the rest.
            store.take(s.key, s.capacity, s.windowMillis, -difference, Long.MAX_VALUE, now);
          }
        }
      }
    }

    @Override
    public void cancel() {
      synchronized (this) {
        if (done) {
          return;
        }
        done = true;
      }
      giveBack(specs, specs.length, reservedTokens, clock.millis());
    }

    @Override
    public Duration waited() {
      return Duration.ofMillis(waitedMillis);
    }
  }
}

package dev.ralex.examples;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ResponseCache;
import dev.ralex.core.CacheStats;
import dev.ralex.core.InMemoryResponseCache;
import dev.ralex.core.ModelCatalog;
import dev.ralex.core.Ralex;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The response cache, offline: a help desk where users ask the same few questions, answered by a simulated model
 * priced like Claude Sonnet. Each repeated question is served from the cache at no cost; one user forces a fresh
 * answer with {@link ResponseCache.Mode#REFRESH}. Prints each call and the cache's statistics per user.
 *
 * <p>Run: {@code mvn -B -q -pl ralex-examples exec:java -Dexec.mainClass=dev.ralex.examples.ResponseCacheExample}.
 */
public final class ResponseCacheExample {
  private static final List<String> QUESTIONS = List.of(
      "Explain in two sentences what a circuit breaker does.",
      "What is a monad?",
      "Explain in two sentences what a circuit breaker does.",
      "Explain in two sentences what a circuit breaker does.",
      "What is a monad?");

  private ResponseCacheExample() {}

  /** Runs the example. */
  public static void main(String[] args) {
    run(System.out);
  }

  /** Runs the example, printing to {@code out}; returns the cache's statistics. */
  static CacheStats run(PrintStream out) {
    try (Ralex ralex = Ralex.builder()
        .provider(new SimulatedProvider())
        .catalog(ModelCatalog.of(List.of(SimulatedProvider.SONNET_CLASS)))
        .defaultModel(SimulatedProvider.SONNET_CLASS.id())
        .responseCache(InMemoryResponseCache.create(1_000), Duration.ofHours(1))
        .build()) {
      out.println("user  | question                                            | from cache | cost ($)");
      out.println("------|-----------------------------------------------------|------------|---------");
      for (String user : List.of("ada", "bob")) {
        for (String question : QUESTIONS) {
          call(out, ralex, user, question, ResponseCache.Mode.USE);
        }
      }
      call(out, ralex, "bob", QUESTIONS.get(1), ResponseCache.Mode.REFRESH);
      CacheStats stats = ralex.cacheStats();
      CacheStats.Totals total = stats.total();
      out.printf(Locale.ROOT, "%nhits %d, misses %d, hit rate %.0f%%, saved $%s, spent $%s%n", total.hits(),
          total.misses(), total.hitRate() * 100, total.saved().toPlainString(),
          ralex.usage().spentToday().toPlainString());
      for (Map.Entry<String, CacheStats.Totals> e : stats.byTag("user").entrySet()) {
        out.printf(Locale.ROOT, "  user %-4s hits %d, misses %d, saved $%s%n", e.getKey(), e.getValue().hits(),
            e.getValue().misses(), e.getValue().saved().toPlainString());
      }
      return stats;
    }
  }

  private static void call(PrintStream out, Ralex ralex, String user, String question, ResponseCache.Mode mode) {
    ChatRequest request = ChatRequest.builder().addUserMessage(question).tag("user", user)
        .option(ResponseCache.Mode.class, mode).build();
    ChatResponse answer = ralex.chat(request);
    BigDecimal cost = answer.cost();
    out.printf(Locale.ROOT, "%-5s | %-51s | %-10s | %s%n", user,
        question.length() > 51 ? question.substring(0, 48) + "..." : question,
        answer.fromCache() ? "yes" : mode == ResponseCache.Mode.REFRESH ? "refreshed" : "no", cost.toPlainString());
  }
}

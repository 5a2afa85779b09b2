package dev.ralex.examples.custom;

import dev.ralex.api.Capability;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelTier;
import dev.ralex.api.Pricing;
import dev.ralex.core.Ralex;
import java.io.PrintStream;
import java.util.Map;
import java.util.Objects;

/**
 * Uses a provider of your own: Ralex finds {@link EchoProviderFactory} by its id {@code echo} through {@link
 * java.util.ServiceLoader}, creates the provider from the settings, and serves the model {@code echo/v1}
 * described here. Run it with {@code mvn -B -q -pl ralex-examples exec:java
 * -Dexec.mainClass=dev.ralex.examples.custom.CustomProviderExample}.
 */
public final class CustomProviderExample {
  /** The model the echo provider serves; Ralex needs its limits and prices to fit context and count cost. */
  public static final ModelInfo ECHO_V1 = ModelInfo.builder("echo/v1")
      .displayName("Echo v1")
      .contextWindow(8_192)
      .maxOutputTokens(1_024)
      .pricing(Pricing.FREE)
      .tier(ModelTier.CHEAP)
      .capabilities(Capability.STREAMING)
      .build();

  private CustomProviderExample() {}

  /** Runs the example on standard output. */
  public static void main(String[] args) {
    run(System.out);
  }

  /**
   * Builds Ralex with the echo provider, sends one request and prints the answer.
   *
   * @return the answer
   */
  public static ChatResponse run(PrintStream out) {
    Objects.requireNonNull(out, "out");
    try (Ralex ralex = Ralex.builder()
        .provider("echo", Map.of("prefix", "echo: "))
        .addModels(ECHO_V1)
        .build()) {
      ChatResponse answer = ralex.chat(ChatRequest.of("Hello, Ralex!"));
      out.println(answer.text());
      out.println("model " + answer.model() + ", " + answer.usage().inputTokens() + " tokens in, "
          + answer.usage().outputTokens() + " out, cost $" + answer.cost().toPlainString());
      return answer;
    }
  }
}

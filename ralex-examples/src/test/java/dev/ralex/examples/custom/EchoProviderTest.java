package dev.ralex.examples.custom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ConfigurationException;
import dev.ralex.api.LlmProviderFactory;
import dev.ralex.api.ProviderConfig;
import dev.ralex.core.Ralex;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class EchoProviderTest {
  @Test
  void theFactoryIsRegisteredForServiceLoader() {
    List<String> ids = new ArrayList<>();
    for (LlmProviderFactory factory : ServiceLoader.load(LlmProviderFactory.class)) {
      ids.add(factory.id());
    }

    assertThat(ids).contains("echo");
  }

  @Test
  void ralexFindsTheProviderByIdAndAnswersThroughIt() {
    try (Ralex ralex = Ralex.builder()
        .provider("echo", Map.of("prefix", "echo: "))
        .addModels(CustomProviderExample.ECHO_V1)
        .build()) {
      ChatResponse answer = ralex.chat(ChatRequest.of("Hi there"));

      assertThat(answer.text()).isEqualTo("echo: Hi there");
      assertThat(answer.model()).isEqualTo("echo/v1");
      assertThat(answer.usage().outputTokens()).isPositive();
      assertThat(answer.cost()).isZero();
    }
  }

  @Test
  void thePrefixFallsBackToTheEnvironment() {
    Map<String, String> env = Map.of("ECHO_PREFIX", ">> ");
    try (Ralex ralex = Ralex.builder()
        .environment(env::get)
        .discoverProviders()
        .addModels(CustomProviderExample.ECHO_V1)
        .build()) {
      assertThat(ralex.chat(ChatRequest.of("ping")).text()).isEqualTo(">> ping");
    }
  }

  @Test
  void aMissingPrefixIsAConfigurationErrorNamingTheSetting() {
    EchoProviderFactory factory = new EchoProviderFactory();

    assertThatThrownBy(() -> factory.create(ProviderConfig.of(Map.of(), name -> null)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("'prefix'")
        .hasMessageContaining("ECHO_PREFIX");
    assertThatThrownBy(() -> new EchoProvider(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void theExampleRuns() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    ChatResponse answer = CustomProviderExample.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));

    assertThat(answer.text()).isEqualTo("echo: Hello, Ralex!");
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("echo: Hello, Ralex!").contains("echo/v1");
  }
}

package dev.ralex.providers.openrouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.ConfigurationException;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.LlmProviderFactory;
import dev.ralex.api.ProviderConfig;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

/** Creating the provider from settings and the environment, and never showing the key. */
class OpenRouterProviderFactoryTest {
  @StartStop
  final MockWebServer server = new MockWebServer();

  private final OpenRouterProviderFactory factory = new OpenRouterProviderFactory();

  @Test
  void missingKeyNamesTheSettingAndTheVariable() {
    assertThatThrownBy(() -> factory.create(ProviderConfig.of(Map.of(), k -> null)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("apiKey")
        .hasMessageContaining("OPENROUTER_API_KEY");
  }

  @Test
  void malformedKeyNeverShowsTheKey() {
    String key = "sk-or-v1-abc def";
    assertThatThrownBy(() -> factory.create(ProviderConfig.of(Map.of("apiKey", key), k -> null)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("OPENROUTER_API_KEY")
        .hasMessageNotContaining("abc");
  }

  @Test
  void badBaseUrl() {
    assertThatThrownBy(() -> factory.create(ProviderConfig.of(Map.of("apiKey", Wire.KEY, "baseUrl", "not a url"),
        k -> null)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("baseUrl")
        .hasMessageNotContaining(Wire.KEY);
  }

  @Test
  void keyAndBaseUrlFromTheEnvironmentAndHeadersFromSettings() throws Exception {
    Map<String, String> env = Map.of("OPENROUTER_API_KEY", Wire.KEY,
        "OPENROUTER_BASE_URL", server.url("/api/v1").toString());
    LlmProvider provider = factory.create(ProviderConfig.of(
        Map.of("referer", "https://example.dev", "title", "Ralex", "readTimeout", "30s"), env::get));
    assertThat(provider.id()).isEqualTo("openrouter");
    assertThat(provider.toString()).doesNotContain(Wire.KEY).contains("/api/v1/chat/completions");
    server.enqueue(Wire.json(200, "response-text.json"));
    provider.chat(Wire.LLAMA, dev.ralex.api.ChatRequest.of("hi"));
    RecordedRequest recorded = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(recorded.getHeaders().get("Authorization")).isEqualTo("Bearer " + Wire.KEY);
    assertThat(recorded.getHeaders().get("HTTP-Referer")).isEqualTo("https://example.dev");
    assertThat(recorded.getHeaders().get("X-OpenRouter-Title")).isEqualTo("Ralex");
    assertThat(recorded.getHeaders().get("X-Title")).isEqualTo("Ralex");
  }

  @Test
  void defaultBaseUrlIsOpenRouter() {
    OpenRouterProvider provider = (OpenRouterProvider) factory.create(ProviderConfig.of(Map.of("apiKey", Wire.KEY), k -> null));
    assertThat(provider.endpoint().toString()).isEqualTo("https://openrouter.ai/api/v1/chat/completions");
  }

  @Test
  void registeredWithServiceLoader() {
    boolean found = false;
    for (ServiceLoader.Provider<LlmProviderFactory> p : ServiceLoader.load(LlmProviderFactory.class).stream().toList()) {
      if (p.type() == OpenRouterProviderFactory.class) {
        found = true;
        assertThat(p.get().id()).isEqualTo("openrouter");
      }
    }
    assertThat(found).isTrue();
  }
}

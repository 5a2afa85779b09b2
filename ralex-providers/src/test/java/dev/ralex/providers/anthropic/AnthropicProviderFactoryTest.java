package dev.ralex.providers.anthropic;

import static dev.ralex.providers.anthropic.AnthropicWire.HAIKU;
import static dev.ralex.providers.anthropic.AnthropicWire.KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ConfigurationException;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.LlmProviderFactory;
import dev.ralex.api.ProviderConfig;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AnthropicProviderFactoryTest {
  private final MockWebServer server = new MockWebServer();
  private final AnthropicProviderFactory factory = new AnthropicProviderFactory();

  @BeforeEach
  void start() throws Exception {
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private RecordedRequest call(LlmProvider provider) throws InterruptedException {
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("response-text.json")).build());
    provider.chat(HAIKU, ChatRequest.of("hi"));
    return server.takeRequest(5, TimeUnit.SECONDS);
  }

  @Test
  void foundByServiceLoader() {
    boolean found = false;
    for (LlmProviderFactory f : ServiceLoader.load(LlmProviderFactory.class)) {
      found |= f instanceof AnthropicProviderFactory && f.id().equals("anthropic");
    }
    assertThat(found).isTrue();
  }

  @Test
  void keyAndBaseUrlFromTheEnvironment() throws Exception {
    Map<String, String> env = Map.of("ANTHROPIC_API_KEY", KEY, "ANTHROPIC_BASE_URL", server.url("/").toString());
    LlmProvider provider = factory.create(ProviderConfig.of(Map.of(), env::get));
    assertThat(provider.id()).isEqualTo("anthropic");
    RecordedRequest request = call(provider);
    assertThat(request.getHeaders().get("x-api-key")).isEqualTo(KEY);
    assertThat(request.getHeaders().get("anthropic-version")).isEqualTo(AnthropicProvider.DEFAULT_VERSION);
  }

  @Test
  void settingsWinOverTheEnvironment() throws Exception {
    Map<String, String> env = Map.of("ANTHROPIC_API_KEY", "env-key", "ANTHROPIC_BASE_URL", "http://unused.invalid/");
    LlmProvider provider = factory.create(ProviderConfig.of(
        Map.of("apiKey", KEY, "baseUrl", server.url("/").toString(), "version", "2023-06-01"), env::get));
    RecordedRequest request = call(provider);
    assertThat(request.getHeaders().get("x-api-key")).isEqualTo(KEY);
    assertThat(request.getHeaders().get("anthropic-version")).isEqualTo("2023-06-01");
  }

  @Test
  void aBearerTokenFromTheEnvironment() throws Exception {
    Map<String, String> env = Map.of("ANTHROPIC_AUTH_TOKEN", "tok-1", "ANTHROPIC_BASE_URL", server.url("/").toString());
    RecordedRequest request = call(factory.create(ProviderConfig.of(Map.of(), env::get)));
    assertThat(request.getHeaders().get("authorization")).isEqualTo("Bearer tok-1");
    assertThat(request.getHeaders().get("x-api-key")).isNull();
  }

  @Test
  void anAuthTokenSettingWinsOverAnEnvironmentKey() throws Exception {
    Map<String, String> env = Map.of("ANTHROPIC_API_KEY", "env-key");
    RecordedRequest request = call(factory.create(ProviderConfig.of(
        Map.of("authToken", "tok-2", "baseUrl", server.url("/").toString()), env::get)));
    assertThat(request.getHeaders().get("authorization")).isEqualTo("Bearer tok-2");
    assertThat(request.getHeaders().get("x-api-key")).isNull();
  }

  @Test
  void noKeyNamesTheVariableNeverAValue() {
    assertThatThrownBy(() -> factory.create(ProviderConfig.of(Map.of("baseUrl", "https://secret-proxy.example"),
        k -> null)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("ANTHROPIC_API_KEY")
        .hasMessageContaining("'apiKey'")
        .hasMessageNotContaining("secret-proxy");
  }

  @Test
  void malformedSettingsAreConfigurationErrorsWithoutValues() {
    assertThatThrownBy(() -> factory.create(ProviderConfig.of(Map.of("apiKey", "sk ant with spaces"), k -> null)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("setting 'apiKey'")
        .hasMessageNotContaining("with spaces");
    assertThatThrownBy(() -> factory.create(ProviderConfig.of(
        Map.of("apiKey", KEY, "baseUrl", "ftp://user:pw@host"), k -> null)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("baseUrl")
        .hasMessageNotContaining("pw");
    assertThatThrownBy(() -> factory.create(ProviderConfig.of(Map.of("apiKey", KEY, "version", "latest"), k -> null)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("version");
    assertThatThrownBy(() -> factory.create(ProviderConfig.of(Map.of("apiKey", KEY, "readTimeout", "soon"),
        k -> null)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("readTimeout");
  }

  @Test
  void toStringShowsBaseUrlAndVersionOnly() {
    LlmProvider provider = factory.create(ProviderConfig.of(
        Map.of("apiKey", KEY, "baseUrl", "https://user:hunter2@proxy.example/anthropic"), k -> null));
    assertThat(provider.toString())
        .isEqualTo("AnthropicProvider[baseUrl=https://proxy.example/anthropic, version=2026-10-21]")
        .doesNotContain(KEY)
        .doesNotContain("hunter2");
  }

  @Test
  void theBuilderNeedsExactlyOneCredential() {
    assertThatThrownBy(() -> AnthropicProvider.builder().build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("ANTHROPIC_API_KEY");
    assertThatThrownBy(() -> AnthropicProvider.builder()
        .apiKey(dev.ralex.api.ApiKey.of("a")).authToken(dev.ralex.api.ApiKey.of("b")).build())
        .isInstanceOf(ConfigurationException.class);
    assertThatThrownBy(() -> AnthropicProvider.builder().apiKey(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void anHttpTimeoutSettingIsHonoured() {
    LlmProvider provider = factory.create(ProviderConfig.of(
        Map.of("apiKey", KEY, "baseUrl", server.url("/").toString(), "readTimeout", "5s"), k -> null));
    assertThat(provider).isInstanceOf(AnthropicProvider.class);
  }

  @Test
  void exactTokenCountingFromTheSettingsAsksTheCountEndpoint() throws Exception {
    LlmProvider provider = factory.create(ProviderConfig.of(
        Map.of("apiKey", KEY, "baseUrl", server.url("/").toString(), "exactTokenCounting", "true"), name -> null));
    server.enqueue(AnthropicWire.json(200, "{\"input_tokens\": 1234}").build());
    assertThat(provider.estimateInputTokens(HAIKU, ChatRequest.of("hi"))).isEqualTo(1234);
    assertThat(server.takeRequest(5, TimeUnit.SECONDS).getUrl().encodedPath()).isEqualTo("/v1/messages/count_tokens");
    LlmProvider estimating = factory.create(ProviderConfig.of(
        Map.of("apiKey", KEY, "baseUrl", server.url("/").toString()), name -> null));
    assertThat(estimating.estimateInputTokens(HAIKU, ChatRequest.of("hi"))).isNotEqualTo(1234);
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThatThrownBy(() -> factory.create(ProviderConfig.of(
        Map.of("apiKey", KEY, "exactTokenCounting", "yes please"), name -> null)))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("exactTokenCounting")
        .hasMessageNotContaining(KEY);
  }
}

package dev.ralex.providers.anthropic;

import dev.ralex.api.ApiKey;
import dev.ralex.api.ConfigurationException;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.LlmProviderFactory;
import dev.ralex.api.ProviderConfig;
import dev.ralex.providers.internal.ProviderHttp;
import java.util.Optional;

/**
 * Creates {@link AnthropicProvider}s from settings, found by {@link java.util.ServiceLoader} under the id {@value
 * AnthropicProvider#ID}. Stateless and thread-safe.
 *
 * <p>Settings: {@code apiKey} (else {@code ANTHROPIC_API_KEY}) or {@code authToken} (else {@code
 * ANTHROPIC_AUTH_TOKEN}), one required, a key set in the settings winning over the environment and an API key over
 * a token at the same level; {@code baseUrl} (else {@code ANTHROPIC_BASE_URL}, else {@value
 * AnthropicProvider#DEFAULT_BASE_URL}); {@code version} (default {@value AnthropicProvider#DEFAULT_VERSION});
 * {@code exactTokenCounting} ({@code true} or {@code false}, default false: count input tokens with Anthropic's
 * {@code count_tokens} endpoint, see {@link AnthropicProvider.Builder#exactTokenCounting}); and the HTTP settings
 * of {@link ProviderHttp} ({@code connectTimeout}, {@code readTimeout}, {@code callTimeout}, ...).
 */
public final class AnthropicProviderFactory implements LlmProviderFactory {
  /** The environment variable of the API key. */
  public static final String API_KEY_ENV = "ANTHROPIC_API_KEY";
  /** The environment variable of a bearer token, the alternative to an API key. */
  public static final String AUTH_TOKEN_ENV = "ANTHROPIC_AUTH_TOKEN";
  /** The environment variable of the base URL. */
  public static final String BASE_URL_ENV = "ANTHROPIC_BASE_URL";

  /** For {@link java.util.ServiceLoader}. */
  public AnthropicProviderFactory() {}

  @Override
  public String id() {
    return AnthropicProvider.ID;
  }

  /**
   * Creates the provider.
   *
   * @throws ConfigurationException if there is no key, naming the settings and environment variables to set
   *     (never a value), or if a setting is malformed
   */
  @Override
  public LlmProvider create(ProviderConfig config) {
    AnthropicProvider.Builder b = AnthropicProvider.builder();
    Optional<String> key = config.get("apiKey");
    Optional<String> token = config.get("authToken");
    if (key.isPresent()) {
      b.apiKey(key(key.get(), "setting 'apiKey'"));
    } else if (token.isPresent()) {
      b.authToken(key(token.get(), "setting 'authToken'"));
    } else {
      key = config.get("apiKey", API_KEY_ENV);
      token = config.get("authToken", AUTH_TOKEN_ENV);
      if (key.isPresent()) {
        b.apiKey(key(key.get(), API_KEY_ENV));
      } else if (token.isPresent()) {
        b.authToken(key(token.get(), AUTH_TOKEN_ENV));
      } else {
        throw new ConfigurationException("no Anthropic API key: set the provider setting 'apiKey' or the environment "
            + "variable " + API_KEY_ENV + " (or, for a bearer token, 'authToken' or " + AUTH_TOKEN_ENV + ")");
      }
    }
    b.baseUrl(config.get("baseUrl", BASE_URL_ENV).orElse(AnthropicProvider.DEFAULT_BASE_URL));
    config.get("version").ifPresent(b::version);
    Optional<String> exact = config.get("exactTokenCounting");
    if (exact.isPresent()) {
      String value = exact.get().trim().toLowerCase(java.util.Locale.ROOT);
      if (!value.equals("true") && !value.equals("false")) {
        throw new ConfigurationException("setting 'exactTokenCounting' must be true or false");
      }
      b.exactTokenCounting(value.equals("true"));
    }
    b.httpClient(ProviderHttp.clientFor(config));
    return b.build();
  }

  private static ApiKey key(String value, String source) {
    try {
      return ApiKey.of(value.trim());
    } catch (IllegalArgumentException e) {
      // ApiKey's message never shows the value.
      throw new ConfigurationException("the Anthropic key from " + source + " is malformed: " + e.getMessage());
    }
  }
}

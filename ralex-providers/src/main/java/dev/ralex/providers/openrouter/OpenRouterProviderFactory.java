package dev.ralex.providers.openrouter;

import dev.ralex.api.ApiKey;
import dev.ralex.api.ConfigurationException;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.LlmProviderFactory;
import dev.ralex.api.ProviderConfig;
import dev.ralex.providers.internal.ProviderHttp;

/**
 * Creates {@link OpenRouterProvider}s from configuration; found by {@link java.util.ServiceLoader} under the id
 * {@value OpenRouterProvider#ID}. Thread-safe.
 *
 * <p>Settings (environment fallbacks in parentheses):
 *
 * <ul>
 *   <li>{@code apiKey} ({@code OPENROUTER_API_KEY}): required.
 *   <li>{@code baseUrl} ({@code OPENROUTER_BASE_URL}): defaults to {@value OpenRouterProvider#DEFAULT_BASE_URL}.
 *   <li>{@code referer}, {@code title}: the optional app-attribution headers.
 *   <li>The HTTP client settings of {@code ProviderHttp}: {@code connectTimeout}, {@code readTimeout}, {@code
 *       callTimeout}, {@code maxRequests}, {@code maxRequestsPerHost}, {@code maxIdleConnections}, {@code
 *       keepAlive}.
 * </ul>
 */
public final class OpenRouterProviderFactory implements LlmProviderFactory {
  /** The environment variable the key is read from when the settings have none. */
  public static final String API_KEY_ENV = "OPENROUTER_API_KEY";
  /** The environment variable the base URL is read from when the settings have none. */
  public static final String BASE_URL_ENV = "OPENROUTER_BASE_URL";

  /** Creates the factory; ServiceLoader needs this public no-argument constructor. */
  public OpenRouterProviderFactory() {}

  @Override
  public String id() {
    return OpenRouterProvider.ID;
  }

  /**
   * {@inheritDoc}
   *
   * @throws ConfigurationException if the key is missing or malformed, the base URL is not an http(s) URL, or an
   *     HTTP setting is malformed; the message names the setting and environment variable, never a value
   */
  @Override
  public LlmProvider create(ProviderConfig config) {
    ApiKey key;
    try {
      key = config.apiKey("apiKey", API_KEY_ENV).orElseThrow(() -> new ConfigurationException(
          "OpenRouter needs an API key: set the 'apiKey' setting or the environment variable " + API_KEY_ENV));
    } catch (IllegalArgumentException e) {
      // ApiKey's message describes the problem (a stray space, say) without the key.
      throw new ConfigurationException("OpenRouter API key (setting 'apiKey' or " + API_KEY_ENV + ") is malformed: "
          + e.getMessage());
    }
    OpenRouterProvider.Builder builder = OpenRouterProvider.builder().apiKey(key);
    String baseUrl = config.get("baseUrl", BASE_URL_ENV).orElse(null);
    if (baseUrl != null) {
      try {
        builder.baseUrl(baseUrl);
      } catch (IllegalArgumentException e) {
        throw new ConfigurationException("setting 'baseUrl' (or " + BASE_URL_ENV + ") must be an http or https URL");
      }
    }
    try {
      config.get("referer").ifPresent(builder::referer);
      config.get("title").ifPresent(builder::title);
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException("settings 'referer' and 'title' must be valid HTTP header values "
          + "(visible ASCII without line breaks)");
    }
    return builder.client(ProviderHttp.clientFor(config)).build();
  }
}

/**
 * Anthropic's Claude models for Ralex, over the Messages API: {@link
 * dev.ralex.providers.anthropic.AnthropicProvider}, its {@link dev.ralex.providers.anthropic.AnthropicProviderFactory}
 * (found by {@link java.util.ServiceLoader} under the id {@code anthropic}), and {@link
 * dev.ralex.providers.anthropic.AnthropicOptions}, the request options only this provider reads.
 *
 * <p>Every parameter and return value is non-null unless its Javadoc says otherwise. The other types of the
 * package are package-private: the request writer, the response and error mapping, and the stream reader.
 */
package dev.ralex.providers.anthropic;

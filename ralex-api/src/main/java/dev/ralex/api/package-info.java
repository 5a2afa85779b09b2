/**
 * The public types of Ralex: requests, responses and their content, model descriptions, the streaming
 * callbacks, the exception hierarchy, listener events, and the service-provider interfaces
 * ({@link dev.ralex.api.LlmProvider}, {@link dev.ralex.api.LlmProviderFactory},
 * {@link dev.ralex.api.ModelSelector}, {@link dev.ralex.api.ModelSelectorFactory}).
 *
 * <p>Every parameter and return value in this package is non-null unless its Javadoc says otherwise; optional
 * values are returned as {@link java.util.Optional}. Value types are immutable and thread-safe, and validate
 * their arguments at construction, so an instance that exists is always well-formed.
 */
package dev.ralex.api;

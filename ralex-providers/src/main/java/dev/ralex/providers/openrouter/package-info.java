/**
 * Providers for OpenAI-compatible chat-completions endpoints: {@link
 * dev.ralex.providers.openrouter.OpenAiCompatibleProvider} for any such server (OpenAI, vLLM, Ollama, LM Studio,
 * gateways), and {@link dev.ralex.providers.openrouter.OpenRouterProvider} with OpenRouter's routing options
 * ({@link dev.ralex.providers.openrouter.OpenRouterOptions}), attribution headers and reported costs, created from
 * configuration by {@link dev.ralex.providers.openrouter.OpenRouterProviderFactory}.
 *
 * <h2>Mapping</h2>
 *
 * <ul>
 *   <li>Requests: the system prompt becomes a {@code system} message; text and images map to content parts
 *       ({@code image_url} with a {@code data:} URL or the image's URL); {@code ToolUseBlock}s in assistant
 *       messages become {@code tool_calls} with their input as the {@code arguments} string; {@code
 *       ToolResultBlock}s (carried in user messages) become {@code role: tool} messages, a failed result's text
 *       prefixed with {@code [tool error] } since the format has no error flag; thinking and unknown blocks in
 *       the history are dropped; sampling parameters are refused before sending for a model whose catalog entry
 *       lacks {@code SAMPLING_PARAMETERS}.
 *   <li>Responses: {@code reasoning} (or {@code reasoning_content}) becomes a {@code ThinkingBlock}, {@code
 *       content} a {@code TextBlock}, {@code tool_calls} {@code ToolUseBlock}s; {@code finish_reason} {@code
 *       stop}, {@code length}, {@code tool_calls} and {@code content_filter} map to {@code END_TURN}, {@code
 *       MAX_TOKENS}, {@code TOOL_USE} and {@code REFUSAL}, others are kept as they are; {@code prompt_tokens}
 *       includes cached tokens here, so cached reads and writes are subtracted from the input count and reported
 *       beside it; {@code usage.cost} becomes the response's cost; the model that actually answered (OpenRouter
 *       may fall back to another) is {@code ChatResponse.providerModel()}, and the raw body stays available
 *       through {@code ChatResponse.rawBody()}.
 *   <li>Errors: {@code {"error":{"code":...,"message":...,"metadata":...}}} whatever the status, including in a
 *       200 body and inside a stream; a numeric code is the HTTP status, a string code is classified by name.
 *       Moderation errors (403) name the reasons and the flagging provider, never the flagged text.
 * </ul>
 *
 * <p>Every public type here is thread-safe; every parameter and return value is non-null unless documented.
 */
package dev.ralex.providers.openrouter;

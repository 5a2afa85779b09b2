package dev.ralex.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A request for one model response: the conversation so far and the parameters of the answer. Immutable and
 * thread-safe; build one with {@link #builder()} or {@link #of(String)}, and derive variants with {@link
 * #toBuilder()}.
 *
 * <p>Every field but the messages is optional. Without a {@linkplain #model() model}, Ralex's selector picks
 * one; without {@linkplain #maxOutputTokens() max output tokens}, Ralex uses its configured default, capped by
 * the model's limit.
 */
public final class ChatRequest {
  private final List<Message> messages;
  private final List<TextBlock> system;
  private final String model;
  private final Integer maxOutputTokens;
  private final Double temperature;
  private final Double topP;
  private final Integer topK;
  private final List<String> stopSequences;
  private final List<ToolDefinition> tools;
  private final ToolChoice toolChoice;
  private final Map<String, String> tags;
  private final String conversationId;
  private final Map<Class<?>, Object> options;

  private ChatRequest(Builder b) {
    this.messages = Checks.copyOf(b.messages, "messages");
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("a request needs at least one message");
    }
    this.system = Checks.copyOf(b.system, "system");
    this.model = b.model;
    if (model != null) {
      Checks.notBlank(model, "model");
    }
    this.maxOutputTokens = b.maxOutputTokens;
    if (maxOutputTokens != null) {
      Checks.positive(maxOutputTokens, "maxOutputTokens");
    }
    this.temperature = b.temperature;
    if (temperature != null && !(temperature >= 0.0 && temperature <= 2.0)) {
      throw new IllegalArgumentException("temperature must be in [0, 2] but was " + temperature);
    }
    this.topP = b.topP;
    if (topP != null && !(topP > 0.0 && topP <= 1.0)) {
      throw new IllegalArgumentException("topP must be in (0, 1] but was " + topP);
    }
    this.topK = b.topK;
    if (topK != null) {
      Checks.positive(topK, "topK");
    }
    this.stopSequences = Checks.copyOf(b.stopSequences, "stopSequences");
    for (String stop : stopSequences) {
      if (stop.isEmpty()) {
        throw new IllegalArgumentException("stop sequences must not be empty");
      }
    }
    this.tools = Checks.copyOf(b.tools, "tools");
    Set<String> names = new HashSet<>();
    for (ToolDefinition tool : tools) {
      if (!names.add(tool.name())) {
        throw new IllegalArgumentException("duplicate tool name '" + tool.name() + "'");
      }
    }
    this.toolChoice = Objects.requireNonNull(b.toolChoice, "toolChoice");
    if (toolChoice.mode() == ToolChoice.Mode.ANY && tools.isEmpty()) {
      throw new IllegalArgumentException("tool choice ANY needs at least one tool");
    }
    if (toolChoice.mode() == ToolChoice.Mode.TOOL && !names.contains(toolChoice.toolName())) {
      throw new IllegalArgumentException(
          "tool choice names '" + toolChoice.toolName() + "' but the request's tools are " + names);
    }
    this.tags = Checks.copyOf(b.tags, "tags");
    this.conversationId = b.conversationId;
    if (conversationId != null) {
      Checks.notBlank(conversationId, "conversationId");
    }
    this.options = b.options.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(b.options));
  }

  /** A copy of {@code r} with another model and output limit, both already validated. */
  private ChatRequest(ChatRequest r, String model, Integer maxOutputTokens) {
    this.messages = r.messages;
    this.system = r.system;
    this.model = model;
    this.maxOutputTokens = maxOutputTokens;
    this.temperature = r.temperature;
    this.topP = r.topP;
    this.topK = r.topK;
    this.stopSequences = r.stopSequences;
    this.tools = r.tools;
    this.toolChoice = r.toolChoice;
    this.tags = r.tags;
    this.conversationId = r.conversationId;
    this.options = r.options;
  }

  /** A request with one user message and nothing else set. */
  public static ChatRequest of(String userText) {
    return builder().addUserMessage(userText).build();
  }

  /** A new, empty builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this request's values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The conversation so far, oldest first; never empty. */
  public List<Message> messages() {
    return messages;
  }

  /** The system prompt as text blocks (several when cache breakpoints split it); empty when there is none. */
  public List<TextBlock> system() {
    return system;
  }

  /** The system prompt's blocks joined by blank lines; empty when there is none. */
  public String systemText() {
    if (system.isEmpty()) {
      return "";
    }
    if (system.size() == 1) {
      return system.get(0).text();
    }
    StringBuilder sb = new StringBuilder();
    for (TextBlock block : system) {
      if (sb.length() > 0) {
        sb.append("\n\n");
      }
      sb.append(block.text());
    }
    return sb.toString();
  }

  /** The model id the caller asked for, such as {@code anthropic/claude-haiku-4-5}; empty to let Ralex choose. */
  public Optional<String> model() {
    return Optional.ofNullable(model);
  }

  /** The most tokens the answer may have; empty for Ralex's default. */
  public OptionalInt maxOutputTokens() {
    return maxOutputTokens == null ? OptionalInt.empty() : OptionalInt.of(maxOutputTokens);
  }

  /** The sampling temperature in [0, 2]; empty for the model's default. */
  public OptionalDouble temperature() {
    return temperature == null ? OptionalDouble.empty() : OptionalDouble.of(temperature);
  }

  /** Nucleus sampling's probability mass in (0, 1]; empty for the model's default. */
  public OptionalDouble topP() {
    return topP == null ? OptionalDouble.empty() : OptionalDouble.of(topP);
  }

  /** Sampling only from the k most likely tokens; empty for the model's default. */
  public OptionalInt topK() {
    return topK == null ? OptionalInt.empty() : OptionalInt.of(topK);
  }

  /** Texts that end the answer when the model produces them. */
  public List<String> stopSequences() {
    return stopSequences;
  }

  /** The tools the model may call. */
  public List<ToolDefinition> tools() {
    return tools;
  }

  /** How the model may use the tools; {@link ToolChoice#AUTO} unless set. */
  public ToolChoice toolChoice() {
    return toolChoice;
  }

  /**
   * Free-form labels for accounting, budgets and routing, such as {@code user=alice} or {@code phase=planning};
   * insertion-ordered.
   */
  public Map<String, String> tags() {
    return tags;
  }

  /** The conversation this request belongs to, for accounting and per-conversation budgets. */
  public Optional<String> conversationId() {
    return Optional.ofNullable(conversationId);
  }

  /**
   * The provider-specific option of this type, such as OpenRouter's routing preferences or Anthropic's request
   * metadata; providers define the option types they read and ignore the others. Options are typed values, as
   * with OkHttp's request tags, so {@code ralex-api} needs to know none of them.
   */
  public <T> Optional<T> option(Class<T> type) {
    Objects.requireNonNull(type, "type");
    return Optional.ofNullable(type.cast(options.get(type)));
  }

  /** Every provider-specific option, by type. */
  public Map<Class<?>, Object> options() {
    return options;
  }

  /** This request with the model set; cheaper than a builder round trip. */
  public ChatRequest withModel(String model) {
    Checks.notBlank(model, "model");
    return model.equals(this.model) ? this : new ChatRequest(this, model, maxOutputTokens);
  }

  /** This request with the output limit set; cheaper than a builder round trip. */
  public ChatRequest withMaxOutputTokens(int maxOutputTokens) {
    Checks.positive(maxOutputTokens, "maxOutputTokens");
    return this.maxOutputTokens != null && this.maxOutputTokens == maxOutputTokens
        ? this : new ChatRequest(this, model, maxOutputTokens);
  }

  /** This request with its messages replaced, as a context manager does when it compresses history. */
  public ChatRequest withMessages(List<Message> messages) {
    return toBuilder().messages(messages).build();
  }

  /** The text of the last user message, or an empty string; a convenience for selectors and rules. */
  public String lastUserText() {
    for (int i = messages.size() - 1; i >= 0; i--) {
      Message m = messages.get(i);
      if (m.role() == Role.USER) {
        return m.text();
      }
    }
    return "";
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ChatRequest)) {
      return false;
    }
    ChatRequest that = (ChatRequest) o;
    return messages.equals(that.messages)
        && system.equals(that.system)
        && Objects.equals(model, that.model)
        && Objects.equals(maxOutputTokens, that.maxOutputTokens)
        && Objects.equals(temperature, that.temperature)
        && Objects.equals(topP, that.topP)
        && Objects.equals(topK, that.topK)
        && stopSequences.equals(that.stopSequences)
        && tools.equals(that.tools)
        && toolChoice.equals(that.toolChoice)
        && tags.equals(that.tags)
        && Objects.equals(conversationId, that.conversationId)
        && options.equals(that.options);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        messages, system, model, maxOutputTokens, temperature, topP, topK, stopSequences, tools, toolChoice, tags,
        conversationId, options);
  }

  /** Describes the request's shape, never its text, so that prompts stay out of logs. */
  @Override
  public String toString() {
    return "ChatRequest[messages=" + messages.size()
        + (model != null ? ", model=" + model : "")
        + (maxOutputTokens != null ? ", maxOutputTokens=" + maxOutputTokens : "")
        + (tools.isEmpty() ? "" : ", tools=" + tools.size())
        + (tags.isEmpty() ? "" : ", tags=" + tags.keySet())
        + (conversationId != null ? ", conversationId=" + conversationId : "")
        + (options.isEmpty() ? "" : ", options=" + optionNames())
        + "]";
  }

  private List<String> optionNames() {
    List<String> names = new ArrayList<>();
    for (Class<?> type : options.keySet()) {
      names.add(type.getSimpleName());
    }
    return names;
  }

  /** Builds a {@link ChatRequest}; not thread-safe. Validation happens in {@link #build()}. */
  public static final class Builder {
    private final List<Message> messages = new ArrayList<>();
    private final List<TextBlock> system = new ArrayList<>();
    private String model;
    private Integer maxOutputTokens;
    private Double temperature;
    private Double topP;
    private Integer topK;
    private final List<String> stopSequences = new ArrayList<>();
    private final List<ToolDefinition> tools = new ArrayList<>();
    private ToolChoice toolChoice = ToolChoice.AUTO;
    private final Map<String, String> tags = new LinkedHashMap<>();
    private String conversationId;
    private final Map<Class<?>, Object> options = new LinkedHashMap<>();

    private Builder() {}

    private Builder(ChatRequest r) {
      messages.addAll(r.messages);
      system.addAll(r.system);
      model = r.model;
      maxOutputTokens = r.maxOutputTokens;
      temperature = r.temperature;
      topP = r.topP;
      topK = r.topK;
      stopSequences.addAll(r.stopSequences);
      tools.addAll(r.tools);
      toolChoice = r.toolChoice;
      tags.putAll(r.tags);
      conversationId = r.conversationId;
      options.putAll(r.options);
    }

    /** Replaces the messages. */
    public Builder messages(List<Message> messages) {
      Objects.requireNonNull(messages, "messages");
      this.messages.clear();
      this.messages.addAll(messages);
      return this;
    }

    /** Appends a message. */
    public Builder addMessage(Message message) {
      messages.add(Objects.requireNonNull(message, "message"));
      return this;
    }

    /** Appends a user message with one text block. */
    public Builder addUserMessage(String text) {
      return addMessage(Message.user(text));
    }

    /** Appends an assistant message with one text block. */
    public Builder addAssistantMessage(String text) {
      return addMessage(Message.assistant(text));
    }

    /** Sets the system prompt to one text block; {@code null} or empty removes it. */
    public Builder system(String text) {
      system.clear();
      if (text != null && !text.isEmpty()) {
        system.add(ContentBlock.text(text));
      }
      return this;
    }

    /** Sets the system prompt's blocks, for example to put a cache breakpoint after a long stable part. */
    public Builder systemBlocks(List<TextBlock> blocks) {
      Objects.requireNonNull(blocks, "blocks");
      system.clear();
      system.addAll(blocks);
      return this;
    }

    /** Asks for a model by id; {@code null} lets Ralex choose. */
    public Builder model(String model) {
      this.model = model;
      return this;
    }

    /** Caps the answer's length in tokens; {@code null} for Ralex's default. */
    public Builder maxOutputTokens(Integer maxOutputTokens) {
      this.maxOutputTokens = maxOutputTokens;
      return this;
    }

    /** Sets the sampling temperature in [0, 2]; {@code null} for the model's default. */
    public Builder temperature(Double temperature) {
      this.temperature = temperature;
      return this;
    }

    /** Sets nucleus sampling in (0, 1]; {@code null} for the model's default. */
    public Builder topP(Double topP) {
      this.topP = topP;
      return this;
    }

    /** Sets top-k sampling; {@code null} for the model's default. */
    public Builder topK(Integer topK) {
      this.topK = topK;
      return this;
    }

    /** Replaces the stop sequences. */
    public Builder stopSequences(List<String> stopSequences) {
      Objects.requireNonNull(stopSequences, "stopSequences");
      this.stopSequences.clear();
      this.stopSequences.addAll(stopSequences);
      return this;
    }

    /** Replaces the tools. */
    public Builder tools(List<ToolDefinition> tools) {
      Objects.requireNonNull(tools, "tools");
      this.tools.clear();
      this.tools.addAll(tools);
      return this;
    }

    /** Appends a tool. */
    public Builder addTool(ToolDefinition tool) {
      tools.add(Objects.requireNonNull(tool, "tool"));
      return this;
    }

    /** Sets how the model may use the tools. */
    public Builder toolChoice(ToolChoice toolChoice) {
      this.toolChoice = Objects.requireNonNull(toolChoice, "toolChoice");
      return this;
    }

    /** Adds or replaces a tag. */
    public Builder tag(String key, String value) {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
      tags.put(key, value);
      return this;
    }

    /** Replaces all tags. */
    public Builder tags(Map<String, String> tags) {
      Objects.requireNonNull(tags, "tags");
      this.tags.clear();
      this.tags.putAll(tags);
      return this;
    }

    /** Sets the conversation id; {@code null} for none. */
    public Builder conversationId(String conversationId) {
      this.conversationId = conversationId;
      return this;
    }

    /**
     * Attaches a provider-specific option, replacing any of the same type; {@code null} removes it. The value
     * should be immutable, since requests are shared across threads.
     */
    public <T> Builder option(Class<T> type, T value) {
      Objects.requireNonNull(type, "type");
      if (value == null) {
        options.remove(type);
      } else {
        options.put(type, type.cast(value));
      }
      return this;
    }

    /**
     * Validates and builds the request.
     *
     * @throws IllegalArgumentException naming the first invalid field
     * @throws NullPointerException naming the first missing element
     */
    public ChatRequest build() {
      return new ChatRequest(this);
    }
  }
}

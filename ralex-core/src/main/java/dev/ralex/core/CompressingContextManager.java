package dev.ralex.core;

import dev.ralex.api.CacheControl;
import dev.ralex.api.Capability;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ContextTooLongException;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.ImageBlock;
import dev.ralex.api.Message;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.TextBlock;
import dev.ralex.api.TokenCounter;
import dev.ralex.api.ToolResultBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The compressing {@link ContextManager}: applies its {@link Compression} steps in order (each acting only while
 * the request is over budget, or to repeat for a conversation what it did on an earlier turn), then, for models with prompt caching, places cache breakpoints after the system prompt and after
 * the history that precedes the newest turn. Thread-safe; the steps keep their own per-conversation memory.
 *
 * <p>Token counts are per message and remembered per conversation by message identity (a conversation resends
 * the same message objects every turn), so fitting a long history again after one message was added counts
 * only that message.
 */
final class CompressingContextManager implements ContextManager {
  /** Anthropic's limit of cache breakpoints per request. */
  private static final int MAX_BREAKPOINTS = 4;
  private static final int MAX_REMEMBERED_CONVERSATIONS = 10_000;

  private final List<Compression> steps;
  private final boolean cacheBreakpoints;
  // Conversation id -> its messages at the last fit and their tokens; bounded, cleared when full.
  private final Map<String, Counted> counted = new ConcurrentHashMap<>();

  CompressingContextManager(List<Compression> steps, boolean cacheBreakpoints) {
    this.steps = List.copyOf(steps);
    this.cacheBreakpoints = cacheBreakpoints;
  }

  /** Connects steps that call the pipeline (summarization) to it. */
  void bind(Ralex ralex) {
    for (Compression step : steps) {
      if (step instanceof Summarize s) {
        s.bind(ralex);
      }
    }
  }

  @Override
  public Fit fit(ChatRequest request, ModelInfo model, int maxOutputTokens, TokenCounter counter) {
    if (Summarize.TASK.equals(request.tags().get(Summarize.TASK_TAG))) {
      return ContextManager.strict().fit(request, model, maxOutputTokens, counter); // Never summarize a summary.
    }
    // Work in the counter's own units against a budget divided by the model's calibration ratio, so counts
    // remembered from earlier turns stay valid when the ratio moves.
    double ratio = counter instanceof ModelTokens tokens ? tokens.ratio() : 1.0;
    long window = (long) model.contextWindow() - maxOutputTokens;
    int budget = (int) Math.max(0, (long) Math.floor(window / ratio));
    History history = new History(request, model, budget, counter.countFixed(model, request),
        counts(request, model, counter), m -> counter.countMessage(model, m));
    List<Compressed> done = new ArrayList<>(0);
    for (Compression step : steps) {
      // Every step runs: the built-in ones do nothing while the request fits, except repeat for a conversation
      // what they did on its earlier turns, so its prefix stays the same (and cached) from turn to turn.
      int before = history.tokens();
      history.dropped = 0;
      history.summarized = 0;
      history.truncated = 0;
      step.apply(history);
      if (history.dropped + history.summarized + history.truncated > 0) {
        done.add(new Compressed(step.name(), history.dropped, history.summarized, history.truncated, before,
            history.tokens()));
      }
    }
    if (!history.fits()) {
      long needed = scale(history.tokens(), ratio) + maxOutputTokens;
      throw new ContextTooLongException("the request needs about " + needed + " tokens ("
          + scale(history.tokens(), ratio) + " input + " + maxOutputTokens + " output) but " + model.id() + " has a context window of "
          + model.contextWindow() + "; what cannot be compressed (system prompt, tools, pinned and newest turns) "
          + "is too large", needed, model.contextWindow(), ErrorDetails.NONE, null);
    }
    ChatRequest fitted = done.isEmpty() ? request : rebuild(request, history);
    if (cacheBreakpoints && model.has(Capability.PROMPT_CACHING)) {
      fitted = withBreakpoints(fitted, history);
    }
    if (ratio != 1.0) {
      List<Compressed> scaled = new ArrayList<>(done.size());
      for (Compressed c : done) {
        scaled.add(new Compressed(c.strategy(), c.messagesDropped(), c.messagesSummarized(),
            c.toolResultsTruncated(), scale(c.tokensBefore(), ratio), scale(c.tokensAfter(), ratio)));
      }
      done = scaled;
    }
    return new Fit(fitted, scale(history.tokens(), ratio), done);
  }

  private static int scale(int tokens, double ratio) {
    return ratio == 1.0 ? tokens : (int) Math.min(Integer.MAX_VALUE, (long) Math.ceil(tokens * ratio));
  }

  private static ChatRequest rebuild(ChatRequest request, History history) {
    ChatRequest.Builder b = request.toBuilder().messages(history.keptMessages());
    if (!history.summaryBlocks().isEmpty()) {
      List<TextBlock> system = new ArrayList<>(request.system());
      system.addAll(history.summaryBlocks());
      b.systemBlocks(system);
    }
    return b.build();
  }

  /**
   * Marks the end of the system prompt and the last message before the newest turn as cache breakpoints, where
   * the request does not already use its four: the next turn repeats everything up to there.
   */
  private static ChatRequest withBreakpoints(ChatRequest request, History history) {
    int used = 0;
    for (TextBlock t : request.system()) {
      used += t.cacheControl() == CacheControl.NONE ? 0 : 1;
    }
    for (Message m : request.messages()) {
      for (ContentBlock b : m.content()) {
        used += cacheControlOf(b) == CacheControl.NONE ? 0 : 1;
      }
    }
    ChatRequest.Builder b = null;
    List<TextBlock> system = request.system();
    if (used < MAX_BREAKPOINTS && !system.isEmpty()
        && system.get(system.size() - 1).cacheControl() == CacheControl.NONE) {
      List<TextBlock> marked = new ArrayList<>(system);
      marked.set(marked.size() - 1, marked.get(marked.size() - 1).withCacheControl(CacheControl.EPHEMERAL));
      b = request.toBuilder().systemBlocks(marked);
      used++;
    }
    List<Message> messages = request.messages();
    int newestStart = newestTurnStart(history, messages);
    if (used < MAX_BREAKPOINTS && newestStart > 0) {
      Message before = messages.get(newestStart - 1);
      Message marked = markLast(before);
      if (marked != before) {
        List<Message> copy = new ArrayList<>(messages);
        copy.set(newestStart - 1, marked);
        b = (b != null ? b : request.toBuilder()).messages(copy);
      }
    }
    return b == null ? request : b.build();
  }

  private static int newestTurnStart(History history, List<Message> messages) {
    List<History.Turn> turns = history.turns();
    if (turns.isEmpty()) {
      return 0;
    }
    return messages.size() - turns.get(turns.size() - 1).messages().size();
  }

  /** The message with a breakpoint on its last block that can carry one; the same message if none can. */
  private static Message markLast(Message m) {
    List<ContentBlock> blocks = m.content();
    for (int i = blocks.size() - 1; i >= 0; i--) {
      ContentBlock b = blocks.get(i);
      ContentBlock marked = null;
      if (b instanceof TextBlock t) {
        marked = t.cacheControl() == CacheControl.NONE ? t.withCacheControl(CacheControl.EPHEMERAL) : null;
      } else if (b instanceof ToolResultBlock r) {
        marked = r.cacheControl() == CacheControl.NONE
            ? new ToolResultBlock(r.toolUseId(), r.content(), r.isError(), CacheControl.EPHEMERAL) : null;
      }
      if (marked != null) {
        List<ContentBlock> copy = new ArrayList<>(blocks);
        copy.set(i, marked);
        return new Message(m.role(), copy, m.pinned());
      }
      if (cacheControlOf(b) != CacheControl.NONE) {
        return m; // Already marked.
      }
    }
    return m;
  }

  private static CacheControl cacheControlOf(ContentBlock b) {
    if (b instanceof TextBlock t) {
      return t.cacheControl();
    } else if (b instanceof ToolResultBlock r) {
      return r.cacheControl();
    } else if (b instanceof ImageBlock i) {
      return i.cacheControl();
    }
    return CacheControl.NONE;
  }

  /**
   * The tokens of each message: those of a conversation's previous fit are reused while its messages are the
   * same objects (a conversation resends them), so only new messages are counted.
   */
  private int[] counts(ChatRequest request, ModelInfo model, TokenCounter counter) {
    List<Message> messages = request.messages();
    // Per conversation and model: another model's tokenizer counts differently.
    String conversation = request.conversationId().map(id -> id + '\u0000' + model.id()).orElse(null);
    Counted previous = conversation == null ? null : counted.get(conversation);
    int[] counts = new int[messages.size()];
    int reused = 0;
    if (previous != null) {
      int n = Math.min(previous.messages.length, messages.size());
      while (reused < n && previous.messages[reused] == messages.get(reused)) {
        counts[reused] = previous.counts[reused];
        reused++;
      }
    }
    for (int i = reused; i < counts.length; i++) {
      counts[i] = counter.countMessage(model, messages.get(i));
    }
    if (conversation != null) {
      if (counted.size() >= MAX_REMEMBERED_CONVERSATIONS && !counted.containsKey(conversation)) {
        counted.clear(); // Rare; each conversation then counts its history once more.
      }
      counted.put(conversation, new Counted(messages.toArray(new Message[0]), counts));
    }
    return counts;
  }

  /** A conversation's messages at its last fit and their tokens. */
  private record Counted(Message[] messages, int[] counts) {}
}

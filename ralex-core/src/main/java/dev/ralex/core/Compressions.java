package dev.ralex.core;

import dev.ralex.api.ContentBlock;
import dev.ralex.api.Message;
import dev.ralex.api.TextBlock;
import dev.ralex.api.TokenEstimates;
import dev.ralex.api.ToolResultBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The built-in {@link Compression} steps other than summarization. */
final class Compressions {
  private Compressions() {}

  /** Keeps the newest turns; see {@link Compression#keepRecentTurns(int)}. */
  static final class KeepRecentTurns implements Compression {
    private final int turns;

    KeepRecentTurns(int turns) {
      this.turns = turns;
    }

    @Override
    public String name() {
      return "keepRecentTurns";
    }

    @Override
    public void apply(History history) {
      List<History.Turn> all = history.turns();
      for (int i = 0; i < all.size() - turns; i++) {
        history.drop(all.get(i));
      }
    }
  }

  /** Drops the oldest turns with a sticky cut; see {@link Compression#dropOldest(double)}. */
  static final class DropOldest implements Compression {
    /** The most conversations whose cut is remembered; the oldest entries go first. */
    static final int MAX_REMEMBERED = 10_000;

    private final double refillFraction;
    // Conversation id -> the first message kept by the last cut.
    private final Map<String, Message> cuts = new ConcurrentHashMap<>();

    DropOldest(double refillFraction) {
      this.refillFraction = refillFraction;
    }

    @Override
    public String name() {
      return "dropOldest";
    }

    @Override
    public void apply(History history) {
      String conversation = history.conversationId().orElse(null);
      List<History.Turn> all = history.turns();
      Message lastCut = conversation == null ? null : cuts.get(conversation);
      if (lastCut == null && history.fits()) {
        return;
      }
      if (lastCut != null) {
        // Keep the previous cut while it fits: the same prefix, so the provider's prompt cache still serves it.
        int from = indexOf(all, lastCut);
        if (from > 0) {
          for (int i = 0; i < from; i++) {
            history.drop(all.get(i));
          }
          if (history.fits()) {
            return;
          }
        }
      }
      if (history.fits()) {
        return; // The earlier cut no longer applies (its turn was pinned or is gone) and nothing more is needed.
      }
      long target = (long) Math.floor(history.budget() * refillFraction);
      for (History.Turn t : all) {
        if (history.tokens() <= target) {
          break;
        }
        history.drop(t);
      }
      if (conversation != null) {
        if (cuts.size() >= MAX_REMEMBERED) {
          cuts.clear(); // Rare, and only costs each conversation one new cut.
        }
        for (History.Turn t : all) {
          if (!t.dropped()) {
            cuts.put(conversation, t.messages().get(0));
            break;
          }
        }
      }
    }

    /** The turn starting with {@code first}: by identity (a conversation resends its objects), else by value. */
    static int indexOf(List<History.Turn> turns, Message first) {
      for (int i = 0; i < turns.size(); i++) {
        if (turns.get(i).messages().get(0) == first) {
          return i;
        }
      }
      for (int i = 0; i < turns.size(); i++) {
        if (turns.get(i).messages().get(0).equals(first)) {
          return i;
        }
      }
      return -1;
    }
  }

  /** Shortens long tool results; see {@link Compression#truncateToolResults(int)}. */
  static final class TruncateToolResults implements Compression {
    private final int maxTokens;
    // Conversation id -> the first message of the newest turn shortened so far.
    private final Map<String, Message> shortenedThrough = new ConcurrentHashMap<>();

    TruncateToolResults(int maxTokens) {
      this.maxTokens = maxTokens;
    }

    @Override
    public String name() {
      return "truncateToolResults";
    }

    @Override
    public void apply(History history) {
      // Sticky per conversation: every turn up to the newest one shortened before is shortened again, fitting
      // or not, so the history's prefix stays the same from one turn to the next (and in the provider's prompt
      // cache) instead of gaining one more shortened result each turn.
      String conversation = history.conversationId().orElse(null);
      Message stickyThrough = conversation == null ? null : shortenedThrough.get(conversation);
      int sticky = stickyThrough == null ? -1 : DropOldest.indexOf(history.turns(), stickyThrough);
      Message newest = null;
      for (History.Turn turn : history.turns()) {
        if (turn.index() > sticky && history.fits()) {
          break;
        }
        if (!turn.removable()) {
          continue;
        }
        if (shorten(history, turn)) {
          newest = turn.messages().get(0);
        } else if (turn.index() <= sticky) {
          newest = turn.messages().get(0);
        }
      }
      if (conversation != null && newest != null) {
        if (shortenedThrough.size() >= DropOldest.MAX_REMEMBERED) {
          shortenedThrough.clear();
        }
        shortenedThrough.put(conversation, newest);
      }
    }

    /** Shortens the long tool results of one turn; whether any was. */
    private boolean shorten(History history, History.Turn turn) {
      {
        List<Message> changed = null;
        int cut = 0;
        for (int i = 0; i < turn.messages().size(); i++) {
          Message m = turn.messages().get(i);
          List<ContentBlock> blocks = null;
          for (int b = 0; b < m.content().size(); b++) {
            if (m.content().get(b) instanceof ToolResultBlock r) {
              ToolResultBlock shorter = shorten(r);
              if (shorter != r) {
                if (blocks == null) {
                  blocks = new ArrayList<>(m.content());
                }
                blocks.set(b, shorter);
                cut++;
              }
            }
          }
          if (blocks != null) {
            if (changed == null) {
              changed = new ArrayList<>(turn.messages());
            }
            changed.set(i, new Message(m.role(), blocks, m.pinned()));
          }
        }
        if (changed != null) {
          history.replace(turn, changed);
          history.truncated += cut;
          return true;
        }
        return false;
      }
    }

    /** The result with each long text cut to its start and end around a marker; the same object if none is. */
    private ToolResultBlock shorten(ToolResultBlock r) {
      List<ContentBlock> content = null;
      for (int i = 0; i < r.content().size(); i++) {
        if (r.content().get(i) instanceof TextBlock t) {
          long tokens = TokenEstimates.estimateText(t.text());
          if (tokens <= maxTokens) {
            continue;
          }
          String shorter = cut(t.text());
          // A text just over the limit loses less than the marker adds: then it stays as it is.
          if (TokenEstimates.estimateText(shorter) >= tokens) {
            continue;
          }
          if (content == null) {
            content = new ArrayList<>(r.content());
          }
          content.set(i, new TextBlock(shorter, t.cacheControl()));
        }
      }
      return content == null ? r : new ToolResultBlock(r.toolUseId(), content, r.isError(), r.cacheControl());
    }

    private String cut(String text) {
      // About maxTokens of text in all: two thirds from the start, one third from the end (errors and totals
      // tend to be at the end of tool output).
      int keepChars = maxTokens * 4;
      int head = keepChars * 2 / 3;
      int tail = keepChars - head;
      if (text.length() <= head + tail) {
        return text;
      }
      int headEnd = head;
      if (Character.isHighSurrogate(text.charAt(headEnd - 1))) {
        headEnd--; // Never split a character made of two chars.
      }
      int tailStart = text.length() - tail;
      if (Character.isLowSurrogate(text.charAt(tailStart))) {
        tailStart++;
      }
      int omitted = tailStart - headEnd;
      return text.substring(0, headEnd) + "\n[... " + omitted + " characters omitted by Ralex to fit the context ...]\n"
          + text.substring(tailStart);
    }
  }
}

package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.ralex.api.CacheControl;
import dev.ralex.api.Capability;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ContextTooLongException;
import dev.ralex.api.Message;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.Pricing;
import dev.ralex.api.Role;
import dev.ralex.api.TextBlock;
import dev.ralex.api.TokenCounter;
import dev.ralex.api.TokenEstimates;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The invariants of history compression, over generated conversations with tool rounds, pinned messages and
 * long tool results: the result fits or the refusal is justified; system and pinned messages stay; a tool_use
 * never loses its tool_result; roles alternate; the newest user message is intact; cuts fall on user turns.
 */
class CompressionPropertiesTest {
  private static final String WORDS = "the quick brown fox jumps over a lazy dog while refactoring code ";

  /** A generated conversation and the turns it was made of (each turn a list of messages). */
  private record Conversation(String system, List<List<Message>> turns) {
    List<Message> messages() {
      List<Message> all = new ArrayList<>();
      turns.forEach(all::addAll);
      return all;
    }
  }

  private static String text(Random r, int maxChars) {
    int n = 1 + r.nextInt(maxChars);
    StringBuilder sb = new StringBuilder(n);
    while (sb.length() < n) {
      sb.append(WORDS, 0, Math.min(WORDS.length(), n - sb.length()));
    }
    return sb.toString();
  }

  private static Conversation generate(long seed) {
    Random r = new Random(seed);
    int turns = 1 + r.nextInt(30);
    List<List<Message>> all = new ArrayList<>();
    int toolIds = 0;
    for (int t = 0; t < turns; t++) {
      boolean newest = t == turns - 1;
      List<Message> turn = new ArrayList<>();
      Message user = Message.user(text(r, 600));
      turn.add(r.nextInt(10) == 0 ? user.pin() : user);
      int rounds = r.nextInt(4) == 0 ? 1 + r.nextInt(3) : 0;
      for (int k = 0; k < rounds; k++) {
        int calls = 1 + r.nextInt(3);
        List<ContentBlock> uses = new ArrayList<>();
        List<ContentBlock> results = new ArrayList<>();
        if (r.nextBoolean()) {
          uses.add(ContentBlock.text(text(r, 100)));
        }
        for (int c = 0; c < calls; c++) {
          String id = "toolu_" + toolIds++;
          uses.add(new ToolUseBlock(id, "read_file", "{\"path\":\"src/F" + c + ".java\"}"));
          results.add(ToolResultBlock.of(id, text(r, r.nextInt(5) == 0 ? 6_000 : 400)));
        }
        turn.add(new Message(Role.ASSISTANT, uses));
        Message answer = new Message(Role.USER, results);
        turn.add(r.nextInt(12) == 0 ? answer.pin() : answer);
      }
      if (!newest || r.nextBoolean()) {
        if (!newest) {
          turn.add(Message.assistant(text(r, 800)));
        }
      }
      all.add(turn);
    }
    return new Conversation(r.nextInt(4) == 0 ? null : text(r, 2_000), all);
  }

  private static ModelInfo model(int window, boolean caching) {
    ModelInfo.Builder b = ModelInfo.builder("test/window-" + window).contextWindow(window).maxOutputTokens(Math.min(4_000, window))
        .pricing(Pricing.FREE);
    if (caching) {
      b.capabilities(Capability.PROMPT_CACHING, Capability.TOOLS);
    } else {
      b.capabilities(Capability.TOOLS);
    }
    return b.build();
  }

  /** Input tokens of what can never be compressed: system prompt, pinned turns and the newest turn. */
  private static int incompressible(Conversation c) {
    List<Message> kept = new ArrayList<>();
    for (int t = 0; t < c.turns().size(); t++) {
      List<Message> turn = c.turns().get(t);
      if (t == c.turns().size() - 1 || turn.stream().anyMatch(Message::pinned)) {
        kept.addAll(turn);
      }
    }
    ChatRequest.Builder b = ChatRequest.builder().messages(kept);
    if (c.system() != null) {
      b.system(c.system());
    }
    return TokenEstimates.estimateInputTokens(b.build());
  }

  /** A message without its cache breakpoints, to compare content. */
  private static Message plain(Message m) {
    List<ContentBlock> blocks = new ArrayList<>();
    for (ContentBlock b : m.content()) {
      if (b instanceof TextBlock t) {
        blocks.add(t.withCacheControl(CacheControl.NONE));
      } else if (b instanceof ToolResultBlock r) {
        blocks.add(new ToolResultBlock(r.toolUseId(), r.content(), r.isError(), CacheControl.NONE));
      } else {
        blocks.add(b);
      }
    }
    return new Message(m.role(), blocks, m.pinned());
  }

  @Test
  void compressionKeepsEveryConversationValid() {
    qt().withExamples(400).forAll(longs().all(), integers().between(2_000, 60_000), integers().between(1, 4_000))
        .checkAssert((seed, window, maxOutput) -> {
          Conversation c = generate(seed);
          boolean caching = seed % 2 == 0;
          ModelInfo model = model(window, caching);
          ChatRequest.Builder b = ChatRequest.builder().messages(c.messages()).conversationId("c" + (seed % 5));
          if (c.system() != null) {
            b.system(c.system());
          }
          ChatRequest request = b.build();
          ContextManager manager = ContextManager.compressing(Compression.truncateToolResults(200),
              Compression.dropOldest());
          int budget = window - maxOutput;
          ContextManager.Fit fit;
          try {
            fit = manager.fit(request, model, maxOutput, TokenCounter.estimating());
          } catch (ContextTooLongException e) {
            // Refused only when what may not be compressed is too big by itself.
            assertThat(incompressible(c)).isGreaterThan(budget);
            return;
          }
          ChatRequest out = fit.request();
          List<Message> outMessages = out.messages();
          // Fits, by an independent count of the whole request.
          assertThat(TokenEstimates.estimateInputTokens(out)).isLessThanOrEqualTo(budget);
          assertThat(fit.inputTokens()).isEqualTo(TokenEstimates.estimateInputTokens(out));
          // The system prompt is kept.
          assertThat(out.systemText()).isEqualTo(request.systemText());
          // The newest user message is intact, and the whole newest turn is there.
          List<Message> newestTurn = c.turns().get(c.turns().size() - 1);
          assertThat(outMessages.subList(outMessages.size() - newestTurn.size(), outMessages.size()))
              .isEqualTo(newestTurn);
          // Pinned messages are kept as they were.
          List<Message> plainOut = outMessages.stream().map(CompressionPropertiesTest::plain).toList();
          for (Message m : c.messages()) {
            if (m.pinned()) {
              assertThat(plainOut).contains(m);
            }
          }
          // Roles alternate and the history starts with a user turn.
          assertThat(outMessages.get(0).role()).isEqualTo(Role.USER);
          assertThat(outMessages.get(0).content()).anyMatch(block -> !(block instanceof ToolResultBlock));
          for (int i = 1; i < outMessages.size(); i++) {
            assertThat(outMessages.get(i).role()).isNotEqualTo(outMessages.get(i - 1).role());
          }
          // Every tool_use is answered in the next message, and every tool_result answers the message before.
          for (int i = 0; i < outMessages.size(); i++) {
            Set<String> uses = ids(outMessages.get(i), true);
            Set<String> answered = i + 1 < outMessages.size() ? ids(outMessages.get(i + 1), false) : Set.of();
            if (i + 1 < outMessages.size() || !uses.isEmpty()) {
              assertThat(answered).as("results after message %d", i).isEqualTo(uses);
            }
          }
          // Cuts fall on turns: the kept messages are whole input turns, in order (tool results may be cut).
          int turnIndex = 0;
          int at = 0;
          while (at < plainOut.size()) {
            List<Message> turn = null;
            for (; turnIndex < c.turns().size(); turnIndex++) {
              List<Message> candidate = c.turns().get(turnIndex);
              if (sameTurn(candidate, plainOut, at)) {
                turn = candidate;
                turnIndex++;
                break;
              }
            }
            assertThat(turn).as("message %d starts a whole input turn", at).isNotNull();
            at += turn.size();
          }
          // What each step did adds up.
          int before = TokenEstimates.estimateInputTokens(request);
          for (ContextManager.Compressed step : fit.compressions()) {
            assertThat(step.tokensBefore()).isEqualTo(before);
            assertThat(step.tokensAfter()).isLessThan(step.tokensBefore());
            before = step.tokensAfter();
          }
        });
  }

  private static boolean sameTurn(List<Message> turn, List<Message> out, int at) {
    if (at + turn.size() > out.size()) {
      return false;
    }
    for (int i = 0; i < turn.size(); i++) {
      Message a = turn.get(i);
      Message b = out.get(at + i);
      if (a.role() != b.role() || a.pinned() != b.pinned() || !ids(a, true).equals(ids(b, true))
          || !ids(a, false).equals(ids(b, false)) || (a.text().isEmpty() != b.text().isEmpty())
          || (!a.text().isEmpty() && !a.text().equals(b.text()))) {
        return false;
      }
    }
    return true;
  }

  private static Set<String> ids(Message m, boolean uses) {
    Set<String> ids = new HashSet<>();
    for (ContentBlock b : m.content()) {
      if (uses && b instanceof ToolUseBlock u) {
        ids.add(u.id());
      } else if (!uses && b instanceof ToolResultBlock r) {
        ids.add(r.toolUseId());
      }
    }
    return ids;
  }
}

package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.ralex.api.ContentBlock;
import dev.ralex.api.InvalidRequestException;
import dev.ralex.api.Message;
import dev.ralex.api.Role;
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class HistoryRepairTest {
  private static ToolUseBlock use(String id) {
    return new ToolUseBlock(id, "lookup", "{\"q\":\"" + id + "\"}");
  }

  private static ToolResultBlock result(String id) {
    return ToolResultBlock.of(id, "result of " + id);
  }

  /**
   * A history built from one seed per turn: tool calls sometimes left unanswered, results that answer nothing,
   * lost messages (a crash) and doubled user messages (a concurrent send), pins at random. Every id and text is
   * unique, so blocks can be followed through a repair by equality.
   */
  static List<Message> history(List<Integer> seeds) {
    List<Message> out = new ArrayList<>();
    List<String> pending = new ArrayList<>();
    int n = 0;
    for (int seed : seeds) {
      Random r = new Random(seed);
      List<ContentBlock> user = new ArrayList<>();
      for (String id : pending) {
        if (r.nextInt(4) != 0) {
          user.add(result(id));
        }
      }
      if (r.nextInt(5) == 0) {
        user.add(result("ghost" + n++));
      }
      if (user.isEmpty() || r.nextBoolean()) {
        user.add(ContentBlock.text("u" + n++));
      }
      if (r.nextInt(8) != 0) {
        out.add(new Message(Role.USER, user, r.nextInt(3) == 0));
      }
      if (r.nextInt(6) == 0) {
        out.add(new Message(Role.USER, List.of(ContentBlock.text("u" + n++)), r.nextInt(3) == 0));
      }
      pending = new ArrayList<>();
      if (r.nextInt(8) == 0) {
        continue;
      }
      List<ContentBlock> assistant = new ArrayList<>();
      if (r.nextInt(4) == 0) {
        assistant.add(new ThinkingBlock("think" + n++, "sig"));
      }
      if (r.nextBoolean()) {
        assistant.add(ContentBlock.text("a" + n++));
      }
      int uses = r.nextInt(3);
      for (int i = 0; i < uses; i++) {
        String id = "toolu_" + n++;
        assistant.add(use(id));
        pending.add(id);
      }
      if (assistant.isEmpty()) {
        assistant.add(ContentBlock.text("a" + n++));
      }
      out.add(new Message(Role.ASSISTANT, assistant, r.nextInt(3) == 0));
    }
    return out;
  }

  private static String key(int index, String id, HistoryRepair.OrphanKind kind) {
    return index + "/" + kind + "/" + id;
  }

  @Test
  void repairedHistoriesHaveNoOrphanKeepEveryPairAndPinAlternateAndAreStable() {
    qt().withExamples(500).forAll(lists().of(integers().all()).ofSizeBetween(0, 25))
        .checkAssert(seeds -> {
          List<Message> input = history(seeds);
          List<HistoryRepair.Orphan> orphans = HistoryRepair.findOrphans(input);
          Set<String> orphanKeys = new HashSet<>();
          for (HistoryRepair.Orphan o : orphans) {
            orphanKeys.add(key(o.messageIndex(), o.toolUseId(), o.kind()));
          }
          // The blocks that must survive: every block but the orphans, in order; those of pinned messages too.
          List<ContentBlock> expected = new ArrayList<>();
          List<ContentBlock> pinnedExpected = new ArrayList<>();
          for (int i = 0; i < input.size(); i++) {
            Message m = input.get(i);
            for (ContentBlock b : m.content()) {
              boolean orphan = b instanceof ToolUseBlock u
                  ? orphanKeys.contains(key(i, u.id(), HistoryRepair.OrphanKind.TOOL_USE))
                  : b instanceof ToolResultBlock r
                      && orphanKeys.contains(key(i, r.toolUseId(), HistoryRepair.OrphanKind.TOOL_RESULT));
              if (!orphan) {
                expected.add(b);
                if (m.pinned()) {
                  pinnedExpected.add(b);
                }
              }
            }
          }

          HistoryRepair.Result result = HistoryRepair.repair(input);
          List<Message> out = result.messages();

          assertThat(HistoryRepair.findOrphans(out)).isEmpty();
          assertThat(result.orphans()).containsExactlyElementsOf(orphans);
          List<ContentBlock> kept = new ArrayList<>();
          List<ContentBlock> keptPinned = new ArrayList<>();
          for (int i = 0; i < out.size(); i++) {
            kept.addAll(out.get(i).content());
            if (out.get(i).pinned()) {
              keptPinned.addAll(out.get(i).content());
            }
            if (i > 0) {
              assertThat(out.get(i).role()).isNotEqualTo(out.get(i - 1).role());
            }
          }
          // Exactly the orphans are gone (so every correctly paired tool_use and tool_result is kept), in order.
          assertThat(kept).containsExactlyElementsOf(expected);
          assertThat(keptPinned).containsAll(pinnedExpected);
          assertThat(result.changed()).isEqualTo(!out.equals(input));

          HistoryRepair.Result again = HistoryRepair.repair(out);
          assertThat(again.messages()).isEqualTo(out);
          assertThat(again.changed()).isFalse();
        });
  }

  @Test
  void validHistoryIsUnchangedUnderBothPolicies() {
    List<Message> history = List.of(
        Message.user("weather?"),
        Message.assistant(ContentBlock.text("checking"), use("t1"), use("t2")),
        Message.user(result("t2"), result("t1")),
        Message.assistant("sunny"),
        Message.user("thanks"));
    assertThat(HistoryRepair.findOrphans(history)).isEmpty();
    assertThat(HistoryRepair.repairing().apply("c", history)).isEqualTo(history);
    assertThat(HistoryRepair.refusing().apply("c", history)).isEqualTo(history);
  }

  @Test
  void orphanToolUseIsDroppedWithItsMessageWhenNothingElseRemainsAndUsersAreMerged() {
    // A crash lost the tool result; the next user message came without it.
    List<Message> history = List.of(
        Message.user("weather?").pin(),
        Message.assistant(use("t1")),
        Message.user("never mind"));
    List<HistoryRepair.Result> seen = new CopyOnWriteArrayList<>();
    List<Message> repaired = HistoryRepair.repairing((id, r) -> seen.add(r)).apply("c-1", history);

    assertThat(repaired).hasSize(1);
    assertThat(repaired.get(0).role()).isEqualTo(Role.USER);
    assertThat(repaired.get(0).pinned()).isTrue();
    assertThat(repaired.get(0).text()).isEqualTo("weather?never mind");
    assertThat(seen).hasSize(1);
    assertThat(seen.get(0).orphans())
        .containsExactly(new HistoryRepair.Orphan(1, "t1", HistoryRepair.OrphanKind.TOOL_USE));
    assertThat(seen.get(0).droppedMessages()).isEqualTo(1);
    assertThat(seen.get(0).mergedMessages()).isEqualTo(1);
  }

  @Test
  void orphanToolResultIsDroppedAndTheRestOfItsMessageKept() {
    List<Message> history = List.of(
        Message.user("hi"),
        Message.assistant("hello"),
        Message.user(result("t9"), ContentBlock.text("and?")));
    HistoryRepair.Result r = HistoryRepair.repair(history);
    assertThat(r.messages()).hasSize(3);
    assertThat(r.messages().get(2).content()).containsExactly(ContentBlock.text("and?"));
    assertThat(r.orphans()).containsExactly(new HistoryRepair.Orphan(2, "t9", HistoryRepair.OrphanKind.TOOL_RESULT));
  }

  @Test
  void duplicateResultForOneCallIsAnOrphanButTheFirstIsKept() {
    List<Message> history = List.of(
        Message.user("go"),
        Message.assistant(use("t1")),
        Message.user(result("t1"), ToolResultBlock.error("t1", "again")));
    HistoryRepair.Result r = HistoryRepair.repair(history);
    assertThat(r.messages().get(2).content()).containsExactly(result("t1"));
    assertThat(r.messages().get(1).content()).containsExactly(use("t1"));
  }

  @Test
  void refusePolicyNamesTheMessageIndexAndToolId() {
    List<Message> history = List.of(
        Message.user("go"),
        Message.assistant(use("toolu_42")),
        Message.user("forgot the result"));
    assertThatThrownBy(() -> HistoryRepair.refusing().apply("c-7", history))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("conversation 'c-7'")
        .hasMessageContaining("message 1")
        .hasMessageContaining("toolu_42");
  }

  @Test
  void throwingListenerDoesNotFailTheRepair() {
    List<Message> history = List.of(Message.user("a"), Message.user("b"));
    List<Message> repaired = HistoryRepair.repairing((id, r) -> {
      throw new IllegalStateException("boom");
    }).apply("c", history);
    assertThat(repaired).hasSize(1);
  }
}

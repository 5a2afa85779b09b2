package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.CacheControl;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ImageBlock;
import dev.ralex.api.Message;
import dev.ralex.api.OtherBlock;
import dev.ralex.api.Role;
import dev.ralex.api.TextBlock;
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConversationStoreTest {
  @TempDir
  Path dir;

  /** A history holding every content block kind, with cache marks, pins and awkward text. */
  static ConversationState everyKind() {
    List<Message> messages = List.of(
        new Message(Role.USER, List.of(
            new TextBlock("Hello \"world\" \u00e9\u4e2d\ud83d\ude00\n\ttab", CacheControl.EPHEMERAL),
            new ImageBlock("image/png", "iVBORw0KGgo=", null, CacheControl.EPHEMERAL_1H),
            ImageBlock.url("image/jpeg", URI.create("https://example.com/a.jpg?x=1&y=2"))), true),
        Message.assistant(
            new ThinkingBlock("let me think", "sig==abc"),
            new ThinkingBlock("", ""),
            ContentBlock.text("calling"),
            new ToolUseBlock("toolu_01", "lookup", "{ \"q\" : [1, 2.50, 1e3, null, true] ,\"n\":{}}"),
            new OtherBlock("redacted_thinking", "{\"type\":\"redacted_thinking\",\"data\":\"xyz\"}"),
            new OtherBlock("text", "{\"type\":\"text\",\"weird\":1}")),
        new Message(Role.USER, List.of(
            new ToolResultBlock("toolu_01", List.of(ContentBlock.text("42"),
                ImageBlock.base64("image/gif", "R0lGODlh")), true, CacheControl.EPHEMERAL),
            new ToolResultBlock("toolu_02", List.of(), false, CacheControl.NONE)), false));
    return new ConversationState(messages, "Be brief.", "test/large", new BigDecimal("1.2500"));
  }

  @Test
  void everyBlockKindRoundTripsThroughTheFileStore() {
    ConversationStore store = ConversationStore.files(dir);
    ConversationState state = everyKind();
    store.save("c-1", state);

    ConversationState loaded = ConversationStore.files(dir).load("c-1").orElseThrow();
    assertThat(loaded).isEqualTo(state);
    assertThat(loaded.messages().get(0).pinned()).isTrue();
    assertThat(loaded.dailyBudget()).isEqualByComparingTo("1.25").hasToString("1.2500");
    ToolUseBlock use = (ToolUseBlock) loaded.messages().get(1).content().get(3);
    assertThat(use.inputJson()).isEqualTo("{ \"q\" : [1, 2.50, 1e3, null, true] ,\"n\":{}}");
  }

  @Test
  void emptySettingsRoundTrip() {
    ConversationStore store = ConversationStore.files(dir);
    store.save("x", ConversationState.EMPTY);
    assertThat(store.load("x")).contains(ConversationState.EMPTY);
    assertThat(store.load("missing")).isEmpty();
  }

  @Test
  void idsNeverEscapeTheDirectoryAndStayDistinct() throws IOException {
    ConversationStore store = ConversationStore.files(dir);
    List<String> ids = List.of("../../etc/passwd", "a/b", "A", "a", "CON", ".", "..", "~41", "x y\u00e9",
        "c:\\windows", "z".repeat(500), "\u4e2d".repeat(200));
    for (String id : ids) {
      store.save(id, new ConversationState(List.of(Message.user(id)), null, null, null));
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).hasSize(ids.size()).allSatisfy(f -> assertThat(f.getParent()).isEqualTo(dir));
    }
    try (Stream<Path> names = Files.list(dir)) {
      assertThat(names.map(p -> p.getFileName().toString().toLowerCase()).distinct()).hasSize(ids.size());
    }
    ConversationStore reopened = ConversationStore.files(dir);
    assertThat(reopened.ids()).containsExactlyInAnyOrderElementsOf(ids);
    for (String id : ids) {
      assertThat(reopened.load(id).orElseThrow().messages().get(0).text()).isEqualTo(id);
    }
    reopened.delete("../../etc/passwd");
    reopened.delete("never-stored");
    assertThat(reopened.ids()).hasSize(ids.size() - 1).doesNotContain("../../etc/passwd");
  }

  @Test
  void corruptFileFailsNamingTheFile() throws IOException {
    FileConversationStore store = new FileConversationStore(dir);
    store.save("c-2", everyKind());
    Path file = store.fileFor("c-2");
    String json = Files.readString(file);
    Files.writeString(file, json.substring(0, json.length() / 2));
    assertThatThrownBy(() -> store.load("c-2"))
        .isInstanceOf(ConversationStoreException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("corrupt");

    Files.writeString(file, json.replace("\"tool_use\"", "\"tool_usage\""));
    assertThatThrownBy(() -> store.load("c-2"))
        .isInstanceOf(ConversationStoreException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("unknown block kind 'tool_usage'");

    Files.writeString(file, json + "garbage");
    assertThatThrownBy(() -> store.load("c-2")).isInstanceOf(ConversationStoreException.class);
  }

  @Test
  void fileHoldingAnotherIdIsRefused() throws IOException {
    FileConversationStore store = new FileConversationStore(dir);
    store.save("a", ConversationState.EMPTY);
    Files.copy(store.fileFor("a"), store.fileFor("b"));
    assertThatThrownBy(() -> store.load("b"))
        .isInstanceOf(ConversationStoreException.class)
        .hasMessageContaining("holds conversation 'a'");
  }

  @Test
  void leftoverTempFileOfAnInterruptedWriteIsIgnored() throws IOException {
    ConversationStore store = ConversationStore.files(dir);
    ConversationState first = new ConversationState(List.of(Message.user("v1")), null, null, null);
    store.save("c-3", first);
    // A crash between writing the temporary file and renaming it leaves a half-written temporary file.
    String next = new String(FileConversationStore.write("c-3",
        new ConversationState(List.of(Message.user("v2")), null, null, null)), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve(".tmp-crashed.part"), next.substring(0, next.length() / 2));

    ConversationStore restarted = ConversationStore.files(dir);
    assertThat(restarted.load("c-3")).contains(first);
    assertThat(restarted.ids()).containsExactly("c-3");
  }

  @Test
  void saveReplacesAndLeavesNoTemporaryFile() throws IOException {
    ConversationStore store = ConversationStore.files(dir);
    for (int i = 0; i < 5; i++) {
      store.save("c", new ConversationState(List.of(Message.user("v" + i)), null, null, null));
    }
    assertThat(store.load("c").orElseThrow().messages().get(0).text()).isEqualTo("v4");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).hasSize(1);
    }
  }

  @Test
  void inMemoryStoreKeepsStates() {
    ConversationStore store = ConversationStore.inMemory();
    store.save("a", everyKind());
    assertThat(store.load("a")).contains(everyKind());
    assertThat(store.ids()).isEqualTo(Set.of("a"));
    store.delete("a");
    assertThat(store.load("a")).isEmpty();
  }
}

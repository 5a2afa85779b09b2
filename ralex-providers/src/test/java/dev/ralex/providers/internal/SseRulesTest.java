package dev.ralex.providers.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules of the event-stream format, as {@link SseDecoder} applies them to a body fed in one piece. */
class SseRulesTest {
  /** Events as "type|data" strings, null type shown as "null". */
  private final List<String> events = new ArrayList<>();

  /** Feeds {@code text} whole and ends the input; returns whether it ended cleanly. */
  private boolean read(String text) throws IOException {
    return read(new SseDecoder((type, data) -> {
      events.add(type + "|" + data);
      return true;
    }), text);
  }

  private static boolean read(SseDecoder decoder, String text) throws IOException {
    decoder.feed(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    return decoder.end();
  }

  @Test
  void readsNamedEventsWithLfLineEnds() throws IOException {
    assertThat(read("event: a\ndata: {\"x\":1}\n\nevent: b\ndata: 2\n\n")).isTrue();
    assertThat(events).containsExactly("a|{\"x\":1}", "b|2");
  }

  @Test
  void readsCrLfLineEnds() throws IOException {
    assertThat(read("event: a\r\ndata: one\r\n\r\ndata: two\r\n\r\n")).isTrue();
    assertThat(events).containsExactly("a|one", "null|two");
  }

  @Test
  void skipsCommentsAnywhere() throws IOException {
    assertThat(read(": OPENROUTER PROCESSING\n\nevent: a\n: inside\ndata: x\n\n:\n")).isTrue();
    assertThat(events).containsExactly("a|x");
  }

  @Test
  void joinsMultiLineDataWithNewlines() throws IOException {
    read("data: first\ndata: second\ndata:third\n\n");
    assertThat(events).containsExactly("null|first\nsecond\nthird");
  }

  @Test
  void keepsEmptyDataLinesWhenJoining() throws IOException {
    read("data:\ndata: x\n\ndata: y\ndata:\n\n");
    assertThat(events).containsExactly("null|\nx", "null|y\n");
  }

  @Test
  void stripsOnlyOneSpaceAfterTheColon() throws IOException {
    read("data:  two spaces\n\n");
    assertThat(events).containsExactly("null| two spaces");
  }

  @Test
  void ignoresIdRetryAndUnknownFields() throws IOException {
    read("id: 7\nretry: 1000\nfoo: bar\ndata: x\n\n");
    assertThat(events).containsExactly("null|x");
  }

  @Test
  void ignoresALeadingByteOrderMark() throws IOException {
    read("\uFEFFevent: a\ndata: x\n\n");
    assertThat(events).containsExactly("a|x");
  }

  @Test
  void aCutOffEventIsNotDispatchedAndReported() throws IOException {
    assertThat(read("event: a\ndata: whole\n\nevent: b\ndata: {\"type\":\"content_block_del")).isFalse();
    assertThat(events).containsExactly("a|whole");
  }

  @Test
  void anEventWithoutItsBlankLineIsCutOff() throws IOException {
    assertThat(read("data: x\n")).isFalse();
    assertThat(events).isEmpty();
  }

  @Test
  void extraBlankLinesAreNotEvents() throws IOException {
    assertThat(read("\n\n\ndata: x\n\n\n\n")).isTrue();
    assertThat(events).containsExactly("null|x");
  }

  @Test
  void emptyStreamEndsCleanly() throws IOException {
    assertThat(read("")).isTrue();
    assertThat(events).isEmpty();
  }

  @Test
  void aLineLongerThanTheLimitFailsInsteadOfBuffering() {
    String line = "data: " + "x".repeat(100) + "\n\n";
    assertThatThrownBy(() -> read(new SseDecoder((t, d) -> true, 50), line))
        .isInstanceOf(OversizedResponseException.class)
        .hasMessageContaining("longer than 50");
  }

  @Test
  void anEventLargerThanTheLimitFails() {
    String event = "data: " + "x".repeat(30) + "\n" + "data: " + "y".repeat(30) + "\n\n";
    assertThatThrownBy(() -> read(new SseDecoder((t, d) -> true, 50), event))
        .isInstanceOf(OversizedResponseException.class)
        .hasMessageContaining("larger than 50");
  }
}

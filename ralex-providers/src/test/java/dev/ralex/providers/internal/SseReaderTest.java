package dev.ralex.providers.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import okio.Buffer;
import okio.BufferedSource;
import okio.Okio;
import okio.Source;
import okio.Timeout;
import org.junit.jupiter.api.Test;

class SseReaderTest {
  /** Events as "type|data" strings, null type shown as "null". */
  private final List<String> events = new ArrayList<>();

  private boolean read(BufferedSource source) throws IOException {
    return new SseReader(source).readAll((type, data) -> {
      events.add(type + "|" + data);
      return true;
    });
  }

  private static BufferedSource of(String text) {
    return new Buffer().writeUtf8(text);
  }

  /** A source that hands out {@code chunk} bytes per read, so every line and character can be split. */
  private static BufferedSource chunked(String text, int chunk) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return Okio.buffer(new Source() {
      private int pos;

      @Override
      public long read(Buffer sink, long byteCount) {
        if (pos == bytes.length) {
          return -1;
        }
        int n = Math.min(chunk, bytes.length - pos);
        sink.write(bytes, pos, n);
        pos += n;
        return n;
      }

      @Override
      public Timeout timeout() {
        return Timeout.NONE;
      }

      @Override
      public void close() {}
    });
  }

  @Test
  void readsNamedEventsWithLfLineEnds() throws IOException {
    assertThat(read(of("event: a\ndata: {\"x\":1}\n\nevent: b\ndata: 2\n\n"))).isTrue();
    assertThat(events).containsExactly("a|{\"x\":1}", "b|2");
  }

  @Test
  void readsCrLfLineEnds() throws IOException {
    assertThat(read(of("event: a\r\ndata: one\r\n\r\ndata: two\r\n\r\n"))).isTrue();
    assertThat(events).containsExactly("a|one", "null|two");
  }

  @Test
  void skipsCommentsAnywhere() throws IOException {
    assertThat(read(of(": OPENROUTER PROCESSING\n\nevent: a\n: inside\ndata: x\n\n:\n"))).isTrue();
    assertThat(events).containsExactly("a|x");
  }

  @Test
  void joinsMultiLineDataWithNewlines() throws IOException {
    read(of("data: first\ndata: second\ndata:third\n\n"));
    assertThat(events).containsExactly("null|first\nsecond\nthird");
  }

  @Test
  void keepsEmptyDataLinesWhenJoining() throws IOException {
    read(of("data:\ndata: x\n\ndata: y\ndata:\n\n"));
    assertThat(events).containsExactly("null|\nx", "null|y\n");
  }

  @Test
  void stripsOnlyOneSpaceAfterTheColon() throws IOException {
    read(of("data:  two spaces\n\n"));
    assertThat(events).containsExactly("null| two spaces");
  }

  @Test
  void ignoresIdRetryAndUnknownFields() throws IOException {
    read(of("id: 7\nretry: 1000\nfoo: bar\ndata: x\n\n"));
    assertThat(events).containsExactly("null|x");
  }

  @Test
  void ignoresALeadingByteOrderMark() throws IOException {
    read(of("\uFEFFevent: a\ndata: x\n\n"));
    assertThat(events).containsExactly("a|x");
  }

  @Test
  void aCutOffEventIsNotDispatchedAndReported() throws IOException {
    assertThat(read(of("event: a\ndata: whole\n\nevent: b\ndata: {\"type\":\"content_block_del"))).isFalse();
    assertThat(events).containsExactly("a|whole");
  }

  @Test
  void anEventWithoutItsBlankLineIsCutOff() throws IOException {
    assertThat(read(of("data: x\n"))).isFalse();
    assertThat(events).isEmpty();
  }

  @Test
  void extraBlankLinesAreNotEvents() throws IOException {
    assertThat(read(of("\n\n\ndata: x\n\n\n\n"))).isTrue();
    assertThat(events).containsExactly("null|x");
  }

  @Test
  void emptyStreamEndsCleanly() throws IOException {
    assertThat(read(of(""))).isTrue();
    assertThat(events).isEmpty();
  }

  @Test
  void sameEventsWhateverTheChunkBoundaries() throws IOException {
    String text = "event: message_start\r\ndata: {\"t\":\"Hello, wörld! 你好 👋\"}\r\n\r\n: ping\n"
        + "event: delta\ndata: é\ndata: 🌋\n\n";
    read(of(text));
    List<String> whole = new ArrayList<>(events);
    assertThat(whole).containsExactly("message_start|{\"t\":\"Hello, wörld! 你好 👋\"}", "delta|é\n🌋");
    for (int chunk = 1; chunk <= 9; chunk++) {
      events.clear();
      assertThat(read(chunked(text, chunk))).isTrue();
      assertThat(events).as("chunks of %d bytes", chunk).isEqualTo(whole);
    }
  }

  @Test
  void aCrSplitFromItsLfStillEndsTheLine() throws IOException {
    // The CR arrives in one read and the LF in the next.
    assertThat(read(chunked("data: x\r\n\r\n", 7))).isTrue();
    assertThat(events).containsExactly("null|x");
  }

  @Test
  void theListenerCanStopReading() throws IOException {
    Buffer source = new Buffer().writeUtf8("data: 1\n\ndata: 2\n\n");
    boolean clean = new SseReader(source).readAll((type, data) -> {
      events.add(data);
      return false;
    });
    assertThat(clean).isTrue();
    assertThat(events).containsExactly("1");
    assertThat(source.readUtf8()).isEqualTo("data: 2\n\n");
  }

  @Test
  void aLineLongerThanTheLimitFailsInsteadOfBuffering() {
    String line = "data: " + "x".repeat(100) + "\n\n";
    assertThatThrownBy(() -> new SseReader(of(line), 50).readAll((t, d) -> true))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("longer than 50");
  }

  @Test
  void anEventLargerThanTheLimitFails() {
    String event = "data: " + "x".repeat(30) + "\n" + "data: " + "y".repeat(30) + "\n\n";
    assertThatThrownBy(() -> new SseReader(of(event), 50).readAll((t, d) -> true))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("larger than 50");
  }
}

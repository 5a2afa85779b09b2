package dev.ralex.providers.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The decoder gives the same events wherever its input is split, including inside a CRLF and inside a multi-byte
 * character, as it gives for the input in one piece ({@link SseRulesTest} pins what that is).
 */
class SseDecoderTest {
  /** A sample with every rule in it: CRLF and LF, a BOM, comments, multi-line data, 2-, 3- and 4-byte UTF-8. */
  private static final String MIXED = "\uFEFF: comment\r\nevent: a\r\ndata: wörld\r\n\r\n"
      + "data: 你好\ndata:\ndata: 👋 x\n\n"
      + "id: 7\nretry: 10\nevent:b\ndata:  two spaces\n\n\n\n"
      + ": OPENROUTER PROCESSING\n\nevent: last\ndata: {\"t\":\"é\"}\r\n\r\n";

  /** Events as "type|data" strings, and whether the input ended cleanly, for the input in one piece. */
  private static List<String> read(byte[] bytes) throws IOException {
    return decode(bytes);
  }

  /** The same from the decoder, fed the bytes in pieces cut at {@code cuts} (ascending offsets). */
  private static List<String> decode(byte[] bytes, int... cuts) throws IOException {
    List<String> events = new ArrayList<>();
    SseDecoder decoder = new SseDecoder((type, data) -> {
      events.add(type + "|" + data);
      return true;
    });
    int from = 0;
    for (int cut : cuts) {
      decoder.feed(ByteBuffer.wrap(bytes, from, cut - from));
      from = cut;
    }
    decoder.feed(ByteBuffer.wrap(bytes, from, bytes.length - from));
    events.add("clean=" + decoder.end());
    return events;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String sample(String name) throws IOException {
    try (InputStream in = SseDecoderTest.class.getResourceAsStream("/wire/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void aSplitAtEveryBytePositionGivesTheWholeInputsEvents() throws IOException {
    for (String text : List.of(MIXED, sample("anthropic/stream-text.sse"), sample("openrouter/stream-tool-calls.sse"),
        sample("anthropic/stream-cut-after-content.sse"))) {
      byte[] bytes = utf8(text);
      List<String> expected = read(bytes);
      assertThat(expected.size()).isGreaterThan(1);
      for (int i = 0; i <= bytes.length; i++) {
        assertThat(decode(bytes, i)).as("split at %d", i).isEqualTo(expected);
      }
    }
  }

  @Test
  void twoSplitsAndOneBytePiecesGiveTheWholeInputsEvents() throws IOException {
    byte[] bytes = utf8(MIXED);
    List<String> expected = read(bytes);
    for (int i = 0; i <= bytes.length; i++) {
      for (int j = i; j <= bytes.length; j++) {
        assertThat(decode(bytes, i, j)).as("splits at %d and %d", i, j).isEqualTo(expected);
      }
    }
    int[] every = new int[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      every[i] = i;
    }
    assertThat(decode(bytes, every)).isEqualTo(expected);
    assertThat(expected).containsExactly("a|wörld", "null|你好\n\n👋 x", "b| two spaces", "last|{\"t\":\"é\"}",
        "clean=true");
  }

  @Test
  void aCutOffLastEventIsReportedWhereverTheInputIsSplit() throws IOException {
    byte[] bytes = utf8("data: one\n\ndata: two");
    assertThat(decode(bytes, 5)).isEqualTo(read(bytes)).containsExactly("null|one", "clean=false");
    assertThat(decode(utf8(""))).containsExactly("clean=true");
  }

  @Test
  void theListenerCanStopAndLaterBytesAreIgnored() throws IOException {
    List<String> events = new ArrayList<>();
    SseDecoder decoder = new SseDecoder((type, data) -> {
      events.add(data);
      return false;
    });
    ByteBuffer first = ByteBuffer.wrap(utf8("data: 1\n\ndata: 2\n\n"));
    assertThat(decoder.feed(first)).isFalse();
    assertThat(first.hasRemaining()).isFalse();
    assertThat(decoder.feed(ByteBuffer.wrap(utf8("data: 3\n\n")))).isFalse();
    assertThat(decoder.end()).isTrue();
    assertThat(events).containsExactly("1");
  }

  @Test
  void aLineLongerThanTheLimitFailsEvenWhenFedInPieces() throws IOException {
    SseDecoder decoder = new SseDecoder((t, d) -> true, 50);
    byte[] line = utf8("data: " + "x".repeat(100));
    assertThatThrownBy(() -> {
      for (byte b : line) {
        decoder.feed(ByteBuffer.wrap(new byte[] {b}));
      }
    }).isInstanceOf(OversizedResponseException.class).hasMessageContaining("longer than 50");
    // A line at the limit is fine.
    SseDecoder ok = new SseDecoder((t, d) -> true, 50);
    assertThat(ok.feed(ByteBuffer.wrap(utf8("data: " + "x".repeat(44) + "\n\n")))).isTrue();
  }

  @Test
  void anEventLargerThanTheLimitFails() {
    SseDecoder decoder = new SseDecoder((t, d) -> true, 50);
    String event = ("data: " + "x".repeat(30) + "\n").repeat(3) + "\n";
    assertThatThrownBy(() -> decoder.feed(ByteBuffer.wrap(utf8(event))))
        .isInstanceOf(OversizedResponseException.class).hasMessageContaining("larger than 50");
  }
}

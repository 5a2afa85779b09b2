package dev.ralex.providers.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import org.junit.jupiter.api.Test;

class BodiesTest {
  private static ResponseBody body(String text) {
    return ResponseBody.create(text, MediaType.get("text/plain; charset=utf-8"));
  }

  @Test
  void readsAWholeBody() throws IOException {
    assertThat(Bodies.readUtf8(body("héllo"))).isEqualTo("héllo");
  }

  @Test
  void aPrefixStopsAtTheLimit() throws IOException {
    assertThat(Bodies.readUtf8Prefix(body("abcdef"), 4)).isEqualTo("abcd");
    assertThat(Bodies.readUtf8Prefix(body("abc"), 4)).isEqualTo("abc");
    assertThat(Bodies.readUtf8Prefix(body(""), 4)).isEmpty();
  }

  @Test
  void aPrefixNeverSplitsACharacter() throws IOException {
    // "a" then a 4-byte emoji: a limit of 3 bytes falls inside the emoji, which is dropped whole.
    assertThat(Bodies.readUtf8Prefix(body("a👋b"), 3)).isEqualTo("a");
    assertThat(Bodies.readUtf8Prefix(body("a👋b"), 5)).isEqualTo("a👋");
    assertThat(Bodies.readUtf8Prefix(body("ééé"), 3)).isEqualTo("é");
  }

  @Test
  void aPrefixNeedsAPositiveLimit() {
    assertThatThrownBy(() -> Bodies.readUtf8Prefix(body("x"), 0)).isInstanceOf(IllegalArgumentException.class);
  }
}

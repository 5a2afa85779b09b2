package dev.ralex.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.core.CacheStats;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResponseCacheExampleTest {
  @Test
  void repeatedQuestionsAreServedFromTheCacheAndTheRefreshGoesToTheModel() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CacheStats stats = ResponseCacheExample.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    // Two distinct questions are asked by two users five times each: two misses, eight hits; the refresh is
    // neither (it never reads the cache).
    assertThat(stats.total().misses()).isEqualTo(2);
    assertThat(stats.total().hits()).isEqualTo(8);
    assertThat(stats.byTag("user").get("bob").misses()).isZero();
    assertThat(stats.total().saved().signum()).isPositive();
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(text).contains("| yes").contains("refreshed").contains("hits 8, misses 2");
  }
}

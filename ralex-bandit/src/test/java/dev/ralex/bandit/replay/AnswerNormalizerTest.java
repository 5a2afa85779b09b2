package dev.ralex.bandit.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class AnswerNormalizerTest {
  private final AnswerNormalizer normalizer = AnswerNormalizer.defaults();

  @Test
  void routerBenchLettersCompareByLetter() {
    assertThat(normalizer.normalize("['C\\n']")).contains("C");
    assertThat(normalizer.normalize("['C']")).contains("C");
    assertThat(normalizer.normalize("[\"b\"]")).contains("B");
    assertThat(normalizer.normalize("  D  ")).contains("D");
    assertThat(normalizer.normalize("['B) Logan']")).contains("B");
    assertThat(normalizer.normalize("(A) caffeine")).contains("A");
    assertThat(normalizer.normalize("['C\\n']")).isEqualTo(normalizer.normalize("C"));
  }

  @Test
  void shortTextComparesByItsWordsAndLongTextIsNotCompared() {
    assertThat(normalizer.normalize("['  Forty  Two\\n']")).contains("forty two");
    assertThat(normalizer.normalize("I think so")).contains("i think so");
    String code = "['Here is a function:\\n```python\\ndef f(xs):\\n    return [x for x in xs if x]\\n```']";
    assertThat(normalizer.normalize(code)).isEmpty();
    assertThat(normalizer.normalize("")).isEmpty();
    assertThat(normalizer.normalize("['']")).isEmpty();
    assertThat(normalizer.normalize(null)).isEmpty();
  }

  @Test
  void theLimitIsAParameterAndNormalisersArePluggable() {
    assertThat(AnswerNormalizer.choiceLetter(5).normalize("abcdef")).isEmpty();
    assertThat(AnswerNormalizer.choiceLetter(6).normalize("abcdef")).contains("abcdef");
    assertThatThrownBy(() -> AnswerNormalizer.choiceLetter(0)).isInstanceOf(IllegalArgumentException.class);
    AnswerNormalizer lastNumber = r -> Optional.of(r.replaceAll("[^0-9]", ""));
    assertThat(lastNumber.normalize("so 18 dollars")).contains("18");
  }
}

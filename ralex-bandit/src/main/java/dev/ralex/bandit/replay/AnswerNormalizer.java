package dev.ralex.bandit.replay;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a model's response text into a key two responses can be compared by, or says the responses cannot be
 * compared ({@link Optional#empty()}: agreement unknown). Pluggable: a cascade takes any such function.
 */
@FunctionalInterface
public interface AnswerNormalizer {
  /** The comparable form of {@code response}, or empty when it cannot be compared. */
  Optional<String> normalize(String response);

  /**
   * The default, for RouterBench-style answers: strips a Python list wrapping ({@code ['C\n']}), one pair of
   * quotes, escaped ({@code \n}, {@code \t}) and real whitespace; an answer that is one letter, or a letter
   * followed by {@code )}, {@code .} or {@code :} and anything ({@code "B) Logan"}), compares by that letter,
   * upper-cased; another answer of at most {@code maxChars} characters compares by its lower-cased text with
   * whitespace runs collapsed; a longer one (an explanation, code) is not compared.
   */
  static AnswerNormalizer choiceLetter(int maxChars) {
    if (maxChars < 1) {
      throw new IllegalArgumentException("maxChars must be positive but was " + maxChars);
    }
    Pattern letter = Pattern.compile("^\\(?([A-Za-z])(?:[).:].*)?$", Pattern.DOTALL);
    return response -> {
      if (response == null) {
        return Optional.empty();
      }
      String s = unwrap(response);
      if (s.isEmpty() || s.length() > maxChars) {
        return Optional.empty();
      }
      Matcher m = letter.matcher(s);
      if (m.matches()) {
        return Optional.of(m.group(1).toUpperCase(Locale.ROOT));
      }
      return Optional.of(s.toLowerCase(Locale.ROOT).replaceAll("\\s+", " "));
    };
  }

  /** {@link #choiceLetter(int)} with answers of at most 40 characters compared. */
  static AnswerNormalizer defaults() {
    return choiceLetter(40);
  }

  /** Strips list brackets, one pair of matching quotes and escaped or real whitespace around the text. */
  static String unwrap(String response) {
    String s = response.strip();
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1).strip();
    }
    if (s.length() >= 2 && (s.charAt(0) == '\'' || s.charAt(0) == '"') && s.charAt(s.length() - 1) == s.charAt(0)) {
      s = s.substring(1, s.length() - 1);
    }
    return s.replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r").strip();
  }

}

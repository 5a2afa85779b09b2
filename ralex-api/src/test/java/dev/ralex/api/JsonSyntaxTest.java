package dev.ralex.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class JsonSyntaxTest {
  private static final String WHAT = "inputJson of tool use 'lookup'";

  private static void check(String json) {
    JsonSyntax.requireObject(json, WHAT);
  }

  @Nested
  class HandWritten {
    static Stream<String> validObjects() {
      return Stream.of(
          "{}",
          " { } ",
          "\r\n\t{\"a\" : 1 }\n",
          "{\"a\":[]}",
          "{\"a\":{}}",
          "{\"\":\"\"}",
          "{\"a\":1,\"a\":2}",
          "{\"n\":[0,-0,1,-1,12.5,-0.5,1e10,1E-2,2.5e+3,0.0e0,123456789012345678901234567890]}",
          "{\"l\":[true,false,null]}",
          "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\\u0000\"}",
          "{\"日本語\":\"😀 é \u2028\"}",
          "{\"del\":\"\u007f\"}",
          "{\"a\":[1,[2,[3,{\"b\":[{}]}]]]}",
          "{ \"a\" : [ 1 , 2 ] , \"b\" : { \"c\" : null } }");
    }

    @ParameterizedTest
    @MethodSource("validObjects")
    void validObjectsAreAccepted(String json) {
      assertThatCode(() -> check(json)).doesNotThrowAnyException();
    }

    static Stream<String> invalidTexts() {
      return Stream.of(
          // trailing and stray commas
          "{\"a\":1,}", "{\"a\":[1,2,]}", "{,\"a\":1}", "{\"a\":1,,\"b\":2}", "{\"a\":[,1]}", "{,}",
          // single quotes and unquoted keys
          "{'a':1}", "{\"a\":'b'}", "{a:1}", "{1:2}", "{null:1}",
          // numbers
          "{\"a\":01}", "{\"a\":-01}", "{\"a\":00}", "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":-Infinity}",
          "{\"a\":+1}", "{\"a\":.5}", "{\"a\":1.}", "{\"a\":1.e5}", "{\"a\":1e}", "{\"a\":1e+}", "{\"a\":-}",
          "{\"a\":0x1F}", "{\"a\":1 2}",
          // unterminated strings
          "{\"a\":\"abc}", "{\"a\":\"abc", "{\"a", "{\"a\":\"\\\"}", "{\"a\":\"\\",
          // raw control characters in strings
          "{\"a\":\"x\ny\"}", "{\"a\":\"x\ty\"}", "{\"a\":\"x\ry\"}", "{\"a\":\"x\u0000y\"}",
          "{\"a\":\"x\u001fy\"}", "{\"a\nb\":1}",
          // bad escapes
          "{\"a\":\"\\x\"}", "{\"a\":\"\\x0041\"}", "{\"a\":\"\\'\"}",
          "{\"a\":\"\\a\"}", "{\"a\":\"\\0\"}", "{\"a\":\"\\U0041\"}",
          "{\"a\":\"\\u12G4\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\u\"}", "{\"a\":\"\\u004",
          // literals
          "{\"a\":tru}", "{\"a\":nul}", "{\"a\":True}", "{\"a\":NULL}", "{\"a\":truex}", "{\"a\":undefined}",
          // structure
          "{\"a\" 1}", "{\"a\":}", "{\"a\"}", "{\"a\":1}}", "{\"a\":1} {}", "{\"a\":1}x", "{", "}", "{\"a\":[}",
          "{\"a\":[1}", "{\"a\":{]}", "{\"a\":1]", "{\"a\":\"b\" \"c\":1}", "{\"a\"::1}", "{}}", "{}{}",
          "{]", "[}", "{\"a\":[1]]}",
          // comments and other extensions
          "{/*c*/\"a\":1}", "{\"a\":1}//c", "{\"a\":1} # c");
    }

    @ParameterizedTest
    @MethodSource("invalidTexts")
    void invalidTextsAreRejectedNamingWhatWasChecked(String json) {
      assertThatThrownBy(() -> check(json))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(WHAT + " is not valid JSON");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\n\t\r ", "\r\n"})
    void emptyAndWhitespaceOnlyInputIsRejected(String json) {
      assertThatThrownBy(() -> check(json))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("end of input");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[{}]", "\"object\"", "1", "-0.5", "true", "false", "null", "  [1, 2]  "})
    void validTopLevelValuesOtherThanObjectsAreRejected(String json) {
      assertThatThrownBy(() -> check(json))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("expected a JSON object");
    }

    @Test
    void nullIsRejectedNamingWhatWasChecked() {
      assertThatThrownBy(() -> check(null)).isInstanceOf(NullPointerException.class).hasMessage(WHAT);
    }

    @Test
    void errorsSayWhere() {
      assertThatThrownBy(() -> check("{\"a\":1,}")).hasMessageContaining("offset 7");
      assertThatThrownBy(() -> check("{\"a\":\"\\q\"}")).hasMessageContaining("'\\q'");
    }

    @Test
    void nestingUpTo256IsAcceptedAndDeeperIsRejected() {
      assertThatCode(() -> check("{\"a\":" + "[".repeat(255) + "]".repeat(255) + "}"))
          .doesNotThrowAnyException();
      assertThatThrownBy(() -> check("{\"a\":" + "[".repeat(256) + "]".repeat(256) + "}"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("nesting deeper than 256");
    }

    @Test
    void hostileDepthIsRejectedWithoutStackOverflow() {
      String arrays = "[".repeat(100_000) + "]".repeat(100_000);
      String objects = "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000);
      String unclosed = "{\"a\":" + "[{\"b\":".repeat(50_000);

      for (String json : new String[] {arrays, objects, unclosed}) {
        Throwable t = catchThrowable(() -> check(json));
        assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nesting");
      }
    }

    @Test
    void longFlatInputIsAccepted() {
      String big = "{\"a\":[" + "1,".repeat(200_000) + "1]}";
      assertThatCode(() -> check(big)).doesNotThrowAnyException();
    }
  }

  @Nested
  class Properties {
    @Test
    void generatedObjectsAreAccepted() {
      qt().withExamples(500).forAll(JsonGen.object(4))
          .checkAssert(json -> assertThatCode(() -> check(json)).doesNotThrowAnyException());
    }

    @Test
    void generatedValuesAreAcceptedAsMemberValuesAndAsArrayElements() {
      qt().withExamples(500).forAll(JsonGen.value(3)).checkAssert(value -> {
        assertThatCode(() -> check("{\"v\":" + value + "}")).doesNotThrowAnyException();
        assertThatCode(() -> check(" {\n\"v\" : [ " + value + " , " + value + " ] }\t")).doesNotThrowAnyException();
      });
    }

    @Test
    void aGeneratedTopLevelValueIsAcceptedExactlyWhenItIsAnObject() {
      qt().withExamples(500).forAll(JsonGen.value(3)).checkAssert(value -> {
        Throwable t = catchThrowable(() -> check(value));
        if (value.startsWith("{")) {
          assertThat(t).isNull();
        } else {
          assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected a JSON object");
        }
      });
    }

    @Test
    void everyProperPrefixOfAnObjectIsRejected() {
      qt().withExamples(300).forAll(JsonGen.object(3)).checkAssert(json -> {
        for (int cut = 1; cut < json.length(); cut++) {
          String prefix = json.substring(0, cut);
          assertThatThrownBy(() -> check(prefix))
              .as("prefix of length %d of %s", cut, json)
              .isInstanceOf(IllegalArgumentException.class);
        }
      });
    }

    @Test
    void nestingIsAcceptedExactlyUpToTheLimit() {
      qt().forAll(integers().between(1, 400)).checkAssert(depth -> {
        String json = "{\"k\":".repeat(depth) + "1" + "}".repeat(depth);
        Throwable t = catchThrowable(() -> check(json));
        if (depth <= 256) {
          assertThat(t).isNull();
        } else {
          assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nesting");
        }
      });
    }
  }
}

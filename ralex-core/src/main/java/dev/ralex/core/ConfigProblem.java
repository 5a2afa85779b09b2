package dev.ralex.core;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonMappingException;
import java.util.Locale;

/**
 * A problem with one value of a configuration file, found while reading it: the key path of the value, where it
 * starts in the file (the exception's {@link #getLocation() location}), and what is wrong, phrased to follow the
 * key path ("must be a duration such as 30s"). {@link ConfigLoader} turns it into the user's message.
 *
 * <p>It is a {@link JsonMappingException} so that Jackson passes it through its deserializers unchanged; the
 * path is taken from the parser when the problem is found rather than from Jackson's path references, because
 * those stop at the innermost bean or map that Jackson itself deserializes.
 */
final class ConfigProblem extends JsonMappingException {
  private static final long serialVersionUID = 1L;

  private final String keyPath;
  private final String problem;

  /**
   * A problem with the value at the parser's current token.
   *
   * @param parser the parser, positioned at the value
   * @param problem what is wrong, such as {@code must be a duration such as 30s}; must not contain the value
   */
  ConfigProblem(JsonParser parser, String problem) {
    super(parser, problem);
    this.keyPath = pathOf(parser);
    this.problem = problem;
  }

  /** The key path of the value, such as {@code budgets[0].limit}; empty for the top level. */
  String keyPath() {
    return keyPath;
  }

  /** What is wrong with the value, phrased to follow its key path. */
  String problem() {
    return problem;
  }

  /**
   * The key path of the parser's current token, such as {@code retry.maxRetries} or {@code budgets[0].limit}.
   * For the start of a map or list it is the path of that map or list.
   */
  static String pathOf(JsonParser parser) {
    return pathOf(parser.getParsingContext());
  }

  /** The key path of a parsing context, in the notation of {@link #pathOf(JsonParser)}. */
  static String pathOf(JsonStreamContext context) {
    StringBuilder path = new StringBuilder();
    append(path, context);
    return path.toString();
  }

  private static void append(StringBuilder path, JsonStreamContext context) {
    if (context == null) {
      return;
    }
    append(path, context.getParent());
    // A context just opened (at its START_OBJECT or START_ARRAY) has no segment yet: the path is its parent's.
    if (context.inObject() && context.hasCurrentName()) {
      if (path.length() > 0) {
        path.append('.');
      }
      path.append(context.getCurrentName());
    } else if (context.inArray() && context.hasCurrentIndex()) {
      path.append('[').append(context.getCurrentIndex()).append(']');
    }
  }

  /** What kind of value a token starts, for "must be X, not Y" messages; never the value itself. */
  static String describe(JsonToken token) {
    if (token == null) {
      return "nothing";
    }
    switch (token) {
      case START_OBJECT:
        return "a map";
      case START_ARRAY:
        return "a list";
      case VALUE_STRING:
        return "a string";
      case VALUE_NUMBER_INT:
        return "a whole number";
      case VALUE_NUMBER_FLOAT:
        return "a decimal number";
      case VALUE_TRUE:
      case VALUE_FALSE:
        return "a boolean";
      case VALUE_NULL:
        return "empty (null)";
      default:
        return "a " + token.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
  }
}

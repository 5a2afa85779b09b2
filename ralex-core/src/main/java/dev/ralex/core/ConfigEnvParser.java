package dev.ralex.core;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.Writer;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A parser over a configuration file that replaces {@code ${NAME}} and {@code ${NAME:-default}} in string values
 * with environment variables, and remembers where each value starts.
 *
 * <p>Substituting at the token level, rather than in the file's text before parsing, keeps every line and column
 * that errors report true to the file, keeps a value's quoting and escaping from depending on what a variable
 * holds (a key containing {@code "} or {@code #} cannot break the YAML), and confines variables to values, never
 * keys. Every way of reading a string token ({@link #getText()}, {@link #getTextCharacters()}, {@link
 * #getValueAsString()}, ...) sees the substituted text; the text is computed afresh on each read, which costs
 * nothing at a configuration file's size and leaves no cache to invalidate.
 *
 * <p>Also records, per key path, where the value starts and which variables it used, so that problems found
 * after binding (a missing key, contradicting settings) can name a line, and messages can tell whether a value
 * came from the environment. Rejects YAML aliases ({@code *name}): Jackson reports them as the anchor's name, not
 * its value, which would silently produce a wrong setting.
 *
 * <p>Not thread-safe; one instance reads one file.
 */
final class ConfigEnvParser extends JsonParserDelegate {
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private static final String MALFORMED = "has a malformed ${...} reference: write ${NAME} or ${NAME:-default}, where NAME "
      + "is letters, digits and underscores, or write $${ for a literal ${";

  private final Function<String, String> environment;
  private final Map<String, JsonLocation> locations = new HashMap<>();
  private final Map<String, Set<String>> variables = new LinkedHashMap<>();

  /**
   * Wraps a parser.
   *
   * @param parser the parser of the file's text
   * @param environment where variables are looked up; {@code null} means unset
   */
  ConfigEnvParser(JsonParser parser, Function<String, String> environment) {
    super(parser);
    this.environment = Objects.requireNonNull(environment, "environment");
  }

  /**
   * Where the key at this key path stands, or for a list entry where the entry starts; {@code null} if the
   * parser has not read it.
   */
  JsonLocation locationOf(String keyPath) {
    return locations.get(keyPath);
  }

  /** The variables substituted into the value at this key path or into any value under it, in order of use. */
  Set<String> variablesAt(String keyPath) {
    Set<String> used = new LinkedHashSet<>();
    variables.forEach((path, names) -> {
      if (isAtOrUnder(path, keyPath)) {
        used.addAll(names);
      }
    });
    return Collections.unmodifiableSet(used);
  }

  private static boolean isAtOrUnder(String path, String prefix) {
    if (prefix.isEmpty() || path.equals(prefix)) {
      return true;
    }
    return path.startsWith(prefix)
        && (path.charAt(prefix.length()) == '.' || path.charAt(prefix.length()) == '[');
  }

  // Jackson's next* helpers (nextFieldName, nextTextValue, ...) all advance through nextToken(); nextValue() is
  // the one that JsonParserDelegate forwards directly, so both are intercepted.
  @Override
  public JsonToken nextToken() throws IOException {
    return visit(delegate.nextToken());
  }

  @Override
  public JsonToken nextValue() throws IOException {
    return visit(delegate.nextValue());
  }

  private JsonToken visit(JsonToken token) throws IOException {
    if (token == null || token.isStructEnd()) {
      return token;
    }
    if (token == JsonToken.VALUE_STRING && delegate instanceof YAMLParser && ((YAMLParser) delegate).isCurrentAlias()) {
      throw new ConfigProblem(this, "is a YAML alias (*name), which is not supported: write the value out");
    }
    // A key's own position comes first, so a section ("retry") is reported at its key, and a list entry (which
    // has no key) at its first token.
    locations.putIfAbsent(ConfigProblem.pathOf(this), delegate.currentTokenLocation());
    return token;
  }

  /**
   * The current string token's text with variables substituted; other tokens' text as it is.
   *
   * @throws ConfigProblem if a variable is not set and has no default, or a reference is malformed
   */
  @Override
  public String getText() throws IOException {
    if (delegate.currentToken() != JsonToken.VALUE_STRING) {
      return delegate.getText();
    }
    String raw = delegate.getText();
    if (raw == null || raw.indexOf('$') < 0) {
      return raw;
    }
    String path = ConfigProblem.pathOf(this);
    try {
      return substitute(raw, environment, name -> variables.computeIfAbsent(path, p -> new LinkedHashSet<>())
          .add(name));
    } catch (IllegalArgumentException e) {
      throw new ConfigProblem(this, e.getMessage());
    }
  }

  @Override
  public int getText(Writer writer) throws IOException {
    if (delegate.currentToken() != JsonToken.VALUE_STRING) {
      return delegate.getText(writer);
    }
    String text = getText();
    writer.write(text);
    return text.length();
  }

  @Override
  public boolean hasTextCharacters() {
    // Steers callers that can take either form to getText(), for string tokens; the char[] forms below stay
    // correct for callers that use them regardless.
    return delegate.currentToken() != JsonToken.VALUE_STRING && delegate.hasTextCharacters();
  }

  @Override
  public char[] getTextCharacters() throws IOException {
    return delegate.currentToken() == JsonToken.VALUE_STRING ? getText().toCharArray() : delegate.getTextCharacters();
  }

  @Override
  public int getTextOffset() throws IOException {
    return delegate.currentToken() == JsonToken.VALUE_STRING ? 0 : delegate.getTextOffset();
  }

  @Override
  public int getTextLength() throws IOException {
    return delegate.currentToken() == JsonToken.VALUE_STRING ? getText().length() : delegate.getTextLength();
  }

  @Override
  public String getValueAsString() throws IOException {
    return delegate.currentToken() == JsonToken.VALUE_STRING ? getText() : delegate.getValueAsString();
  }

  @Override
  public String getValueAsString(String defaultValue) throws IOException {
    return delegate.currentToken() == JsonToken.VALUE_STRING ? getText() : delegate.getValueAsString(defaultValue);
  }

  // The getValueAsX conversions of a string token would otherwise read the unsubstituted text in the delegate.

  @Override
  public int getValueAsInt() throws IOException {
    return getValueAsInt(0);
  }

  @Override
  public int getValueAsInt(int defaultValue) throws IOException {
    if (delegate.currentToken() != JsonToken.VALUE_STRING) {
      return delegate.getValueAsInt(defaultValue);
    }
    try {
      return Integer.parseInt(getText().trim());
    } catch (NumberFormatException e) {
      return defaultValue;
    }
  }

  @Override
  public long getValueAsLong() throws IOException {
    return getValueAsLong(0L);
  }

  @Override
  public long getValueAsLong(long defaultValue) throws IOException {
    if (delegate.currentToken() != JsonToken.VALUE_STRING) {
      return delegate.getValueAsLong(defaultValue);
    }
    try {
      return Long.parseLong(getText().trim());
    } catch (NumberFormatException e) {
      return defaultValue;
    }
  }

  @Override
  public double getValueAsDouble() throws IOException {
    return getValueAsDouble(0.0);
  }

  @Override
  public double getValueAsDouble(double defaultValue) throws IOException {
    if (delegate.currentToken() != JsonToken.VALUE_STRING) {
      return delegate.getValueAsDouble(defaultValue);
    }
    try {
      return Double.parseDouble(getText().trim());
    } catch (NumberFormatException e) {
      return defaultValue;
    }
  }

  @Override
  public boolean getValueAsBoolean() throws IOException {
    return getValueAsBoolean(false);
  }

  @Override
  public boolean getValueAsBoolean(boolean defaultValue) throws IOException {
    if (delegate.currentToken() != JsonToken.VALUE_STRING) {
      return delegate.getValueAsBoolean(defaultValue);
    }
    String text = getText().trim().toLowerCase(Locale.ROOT);
    return text.equals("true") || (!text.equals("false") && defaultValue);
  }

  /**
   * Replaces the variable references in {@code text}: {@code ${NAME}} by the variable's value (empty if it is set
   * but empty), {@code ${NAME:-default}} by the value, or by {@code default} if the variable is unset or empty,
   * and <code>$${</code> by a literal <code>${</code>. Any other {@code $} is literal. Substituted text is not scanned
   * again, so a value holding {@code ${...}} stays as it is.
   *
   * @param used receives the name of each variable referenced
   * @throws IllegalArgumentException naming the variable if one is unset without a default, or saying what is
   *     malformed; the message never contains any variable's value
   */
  static String substitute(String text, Function<String, String> environment, Consumer<String> used) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '$' && text.startsWith("$${", i)) {
        out.append("${");
        i += 3;
      } else if (c == '$' && text.startsWith("${", i)) {
        int close = text.indexOf('}', i + 2);
        if (close < 0) {
          throw new IllegalArgumentException(MALFORMED);
        }
        String body = text.substring(i + 2, close);
        int sep = body.indexOf(":-");
        String name = sep < 0 ? body : body.substring(0, sep);
        String fallback = sep < 0 ? null : body.substring(sep + 2);
        if (!NAME.matcher(name).matches()) {
          throw new IllegalArgumentException(MALFORMED);
        }
        if (fallback != null && fallback.contains("${")) {
          // Would otherwise end at the inner reference's '}' and leave a stray '}' in the value.
          throw new IllegalArgumentException("has a ${...} reference inside the default of ${" + name
              + ":-...}, which is not supported");
        }
        used.accept(name);
        String value = environment.apply(name);
        if (value == null || (fallback != null && value.isEmpty())) {
          if (fallback == null) {
            throw new IllegalArgumentException("uses ${" + name + "}, but the environment variable " + name
                + " is not set; set it, or give a default with ${" + name + ":-default}");
          }
          value = fallback;
        }
        out.append(value);
        i = close + 1;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }
}

package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ConfigurationException;
import dev.ralex.api.ModelSelector;
import dev.ralex.api.RoutingContext;
import dev.ralex.api.Selection;
import dev.ralex.core.testing.TestFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code selector} section whose type a {@link dev.ralex.api.ModelSelectorFactory} answers to ({@link
 * TestSelectorFactory}, type {@code pick}, registered in the test resources), and closing a selector with Ralex.
 */
class SelectorFactoryConfigTest {
  private static final String PROVIDER = "providers:\n  test:\n    apiKey: k\ndefaultModel: test/small\n";

  @TempDir
  Path dir;

  private final Map<String, String> env = new HashMap<>();

  private Path write(String name, String content) {
    return TestFiles.write(dir, name, content);
  }

  private String error(String yaml) {
    Path file = write("ralex.yaml", yaml);
    Throwable thrown = catchThrowable(() -> ConfigLoader.load(file, env::get));
    assertThat(thrown).isInstanceOf(ConfigurationException.class);
    return thrown.getMessage();
  }

  @Test
  void theFactoryReceivesTheSectionsOtherKeysAndItsSelectorChoosesTheModel() {
    env.put("NOTE", "7");
    Path config = write("conf/ralex.yaml", PROVIDER + """
        selector:
          type: Pick
          model: test/large
          note: ${NOTE}
          flag: true
          file: state/x.json
          empty:
        """);
    try (Ralex ralex = ConfigLoader.load(config, env::get).build()) {
      assertThat(TestSelectorFactory.lastConfig.settings()).containsExactly(Map.entry("model", "test/large"),
          Map.entry("note", "7"), Map.entry("flag", "true"), Map.entry("file", "state/x.json"));
      assertThat(TestSelectorFactory.lastConfig.keyPath("note")).isEqualTo("selector.note");
      assertThat(TestSelectorFactory.lastConfig.path("file"))
          .contains(dir.resolve("conf/state/x.json").toAbsolutePath().normalize());
      assertThat(ralex.selector()).isInstanceOf(TestSelectorFactory.PickSelector.class);

      assertThat(ralex.chat(ChatRequest.of("hello")).model()).isEqualTo("test/large");
    }
  }

  @Test
  void anUnknownTypeListsTheTypesAvailable() {
    assertThat(error(PROVIDER + "selector:\n  type: bandit\n")).contains("ralex.yaml", "line 6",
        "'selector.type' must be rules or scoring, or the type of a selector factory on the class path",
        "the types available are rules, scoring, pick").doesNotContain("bandit");
    assertThat(error(PROVIDER + "selector:\n  type: linucb\n  alpha: 1\n"))
        .contains("type linucb needs the dependency dev.ralex:ralex-bandit");
  }

  @Test
  void theFactorysErrorsNameTheKeyAtItsLine() {
    assertThat(error(PROVIDER + "selector:\n  type: pick\n  model: test/large\n  note: many\n"))
        .contains("ralex.yaml, line 8", "'selector.note' must be a whole number").doesNotContain("many");
    assertThat(error(PROVIDER + "selector:\n  type: pick\n  model: test/large\n  modle: x\n"))
        .contains("line 8", "unknown key 'selector.modle'", "file, flag, model, note");
    assertThat(error(PROVIDER + "selector:\n  type: pick\n")).contains("line 5", "'selector.model' is required");
  }

  @Test
  void aMapOrListUnderAFactorysKeyIsAnError() {
    assertThat(error(PROVIDER + "selector:\n  type: pick\n  model: {id: test/large}\n"))
        .contains("line 7", "'selector.model' must be a string, number or boolean, not a map");
    assertThat(error(PROVIDER + "selector:\n  type: pick\n  model: [test/large]\n"))
        .contains("'selector.model' must be a string, number or boolean, not a list");
  }

  @Test
  void theKeysOfTheBuiltInTypesAreReserved() {
    assertThat(error(PROVIDER + "selector:\n  type: pick\n  model: test/large\n  rules: []\n"))
        .contains("line 8", "'selector.rules' applies only to type: rules");
    assertThat(error(PROVIDER + "selector:\n  type: pick\n  model: test/large\n  weights: {cost: 1}\n"))
        .contains("'selector.weights' applies only to type: scoring");
  }

  @Test
  void aBuiltInTypeStillRefusesTheKeysOfAFactory() {
    assertThat(error(PROVIDER + "selector:\n  model: test/large\n  type: rules\n")).contains("line 6",
        "unknown key 'selector.model'", "the keys allowed in 'selector' are budgetTiers");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Closing the selector

  private static Ralex.Builder builder(ScriptedProvider provider, ModelSelector selector) {
    return Ralex.builder().provider(provider).defaultModel(TestModels.SMALL.id()).selector(selector);
  }

  @Test
  void ralexClosesACloseableSelectorOnce() {
    ScriptedProvider provider = new ScriptedProvider("test", TestModels.SMALL, TestModels.LARGE);
    TestSelectorFactory.PickSelector selector = new TestSelectorFactory.PickSelector(TestModels.LARGE.id(), null);
    Ralex ralex = builder(provider, selector).build();
    assertThat(ralex.chat(ChatRequest.of("hi")).model()).isEqualTo(TestModels.LARGE.id());
    ralex.close();
    ralex.close();
    assertThat(selector.closes).hasValue(1);
    assertThat(provider.closed).isTrue();
  }

  @Test
  void aSelectorsFailureToCloseIsThrownAfterEverythingElseIsClosed() {
    ScriptedProvider provider = new ScriptedProvider("test", TestModels.SMALL, TestModels.LARGE);
    UncheckedIOException failure = new UncheckedIOException(new IOException("disk full"));
    Ralex ralex = builder(provider, new TestSelectorFactory.PickSelector(TestModels.LARGE.id(), failure)).build();
    assertThatThrownBy(ralex::close).isSameAs(failure);
    assertThat(provider.closed).isTrue();
    ralex.close(); // Idempotent: the selector is not closed again.
  }

  @Test
  void aSelectorThatIsNotCloseableIsLeftAlone() {
    ModelSelector plain = new ModelSelector() {
      @Override
      public Selection select(RoutingContext context) {
        return new Selection(context.candidates().get(0), List.of(), "first");
      }
    };
    ScriptedProvider provider = new ScriptedProvider("test", TestModels.SMALL, TestModels.LARGE);
    Ralex ralex = builder(provider, plain).build();
    ralex.close();
    assertThat(ralex.selector()).isSameAs(plain);
  }
}

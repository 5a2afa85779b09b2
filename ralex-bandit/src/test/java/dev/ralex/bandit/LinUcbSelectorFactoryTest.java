package dev.ralex.bandit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ConfigurationException;
import dev.ralex.api.SelectorConfig;
import dev.ralex.core.Ralex;
import dev.ralex.core.testing.TestFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@code selector: {type: linucb, ...}} in a configuration file: {@link LinUcbSelectorFactory}, found with
 * ServiceLoader, and the state file saved when the Ralex is closed. The provider is ralex-core's test provider
 * factory (id {@code test}, from its test jar), which answers every call.
 */
class LinUcbSelectorFactoryTest {
  private static final String PROVIDER = """
      providers:
        test:
          apiKey: k
      defaultModel: test/small
      defaultMaxOutputTokens: 100
      """;

  @TempDir
  Path dir;

  private Path write(String name, String content) {
    return TestFiles.write(dir, name, content);
  }

  private Path config(String selector) {
    return write("conf/ralex.yaml", PROVIDER + "selector:\n  type: linucb\n" + selector);
  }

  private static LinUcbSelector linUcb(Ralex ralex) {
    assertThat(ralex.selector()).isInstanceOf(LinUcbSelector.class);
    return (LinUcbSelector) ralex.selector();
  }

  private String error(String selector) {
    Path file = config(selector);
    Throwable thrown = catchThrowable(() -> Ralex.fromConfig(file).close());
    assertThat(thrown).isInstanceOf(ConfigurationException.class);
    return thrown.getMessage();
  }

  @Test
  void theFileSetsUpALinUcbSelectorWithItsSettings() {
    Path file = config("""
          alpha: 1.5
          lambda: 50
          buckets: 8
          quality: 0.6
          cost: 0.2
          latency: 0.2
          costScale: 0.01
          latencyScale: 10s
          awaitRatings: 0s
          strongShare: 0.25
          maxPending: 100
        """);
    try (Ralex ralex = Ralex.fromConfig(file)) {
      LinUcbSelector selector = linUcb(ralex);
      assertThat(selector.bandit().alpha()).isEqualTo(1.5);
      assertThat(selector.bandit().lambda()).isEqualTo(50.0);
      assertThat(selector.bandit().dimension()).isEqualTo(new DefaultFeatureExtractor(8).dimension());
      assertThat(selector.steering().isActive()).isTrue();
      assertThat(selector.stateFile()).isEmpty();
      assertThat(ralex.chat(ChatRequest.of("hello")).model()).startsWith("test/");
    }
  }

  @Test
  void withNoKeysTheBuildersDefaultsApply() {
    try (Ralex ralex = Ralex.fromConfig(config(""))) {
      LinUcbSelector selector = linUcb(ralex);
      assertThat(selector.bandit().alpha()).isEqualTo(LinUcb.DEFAULT_ALPHA);
      assertThat(selector.bandit().lambda()).isEqualTo(LinUcb.DEFAULT_LAMBDA);
      assertThat(selector.bandit().dimension()).isEqualTo(new DefaultFeatureExtractor().dimension());
      assertThat(selector.steering().isActive()).isFalse();
    }
  }

  @Test
  void theStateIsSavedWhenRalexClosesAndReadByTheNextOne() throws IOException {
    Path file = config("  alpha: 2\n  buckets: 8\n  stateFile: state/linucb.json\n");
    Path state = dir.resolve("conf/state/linucb.json");
    Map<String, LinUcb.ArmStats> learned;
    try (Ralex ralex = Ralex.fromConfig(file)) {
      assertThat(state).doesNotExist();
      LinUcbSelector selector = linUcb(ralex);
      assertThat(selector.stateFile()).contains(state);
      for (String prompt : new String[] {"write a poem", "fix this bug in my code", "hi", "prove the theorem"}) {
        ralex.chat(ChatRequest.of(prompt));
      }
      learned = selector.stats();
      assertThat(learned.values().stream().mapToLong(LinUcb.ArmStats::pulls).sum()).isEqualTo(4);
    }
    assertThat(state).isRegularFile();
    try (Stream<Path> files = Files.list(state.getParent())) {
      assertThat(files).containsExactly(state); // No temporary file left behind.
    }

    try (Ralex again = Ralex.fromConfig(file)) {
      LinUcbSelector selector = linUcb(again);
      assertThat(selector.stats()).isEqualTo(learned);
      assertThat(selector.bandit().alpha()).isEqualTo(2.0);
    }
  }

  @Test
  void anAlphaChangedInTheFileAppliesToTheSavedState() {
    Path file = config("  stateFile: linucb.json\n");
    try (Ralex ralex = Ralex.fromConfig(file)) {
      ralex.chat(ChatRequest.of("hi"));
    }
    try (Ralex ralex = Ralex.fromConfig(config("  stateFile: linucb.json\n  alpha: 0.5\n"))) {
      assertThat(linUcb(ralex).bandit().alpha()).isEqualTo(0.5);
      assertThat(linUcb(ralex).stats().values().stream().mapToLong(LinUcb.ArmStats::pulls).sum()).isEqualTo(1);
    }
  }

  @Test
  void badValuesNameTheKey() {
    assertThat(error("  alpha: -1\n")).contains("ralex.yaml, line 8",
        "'selector.alpha' must be a number of at least 0");
    assertThat(error("  alpha: lots\n")).contains("'selector.alpha' must be a number").doesNotContain("lots");
    assertThat(error("  lambda: 0\n")).contains("'selector.lambda' must be a number greater than 0");
    assertThat(error("  buckets: -2\n")).contains("'selector.buckets' must be a whole number of at least 0");
    assertThat(error("  awaitRatings: soon\n")).contains("'selector.awaitRatings' must be a duration");
    assertThat(error("  strongShare: 1.5\n")).contains("'selector.strongShare' must be a share greater than 0");
    assertThat(error("  spendPerCall: 0\n")).contains("'selector.spendPerCall' must be an amount in dollars");
    assertThat(error("  quality: 0\n  cost: 0\n  latency: 0\n"))
        .contains("'selector.quality', 'selector.cost' and 'selector.latency' must not all be 0");
    assertThat(error("  alpah: 1\n")).contains("line 8", "unknown key 'selector.alpah'", "alpha, awaitRatings");
  }

  @Test
  void strongShareAndSpendPerCallAreExclusive() {
    assertThat(error("  strongShare: 0.2\n  spendPerCall: 0.01\n")).contains("ralex.yaml",
        "'selector.strongShare' and 'selector.spendPerCall' are both set");
  }

  @Test
  void aCorruptStateFileIsAnErrorNamingTheFile() {
    Path state = write("conf/linucb.json", "{\"format\": 1, \"dimension\": ");
    assertThat(error("  stateFile: linucb.json\n")).contains("ralex.yaml", "line 8", "'selector.stateFile'",
        state.toString(), "is corrupt");
    write("conf/linucb.json", "[]");
    assertThat(error("  stateFile: linucb.json\n")).contains(state.toString(), "is corrupt");
  }

  @Test
  void aStateOfOtherFeaturesOrAnotherLambdaIsRefused() {
    try (Ralex ralex = Ralex.fromConfig(config("  stateFile: linucb.json\n  buckets: 8\n"))) {
      ralex.chat(ChatRequest.of("hi"));
    }
    Path state = dir.resolve("conf/linucb.json");
    assertThat(error("  stateFile: linucb.json\n  buckets: 16\n")).contains("'selector.stateFile'",
        state.toString(), "another number of word buckets");
    assertThat(error("  stateFile: linucb.json\n  buckets: 8\n  lambda: 1\n")).contains("'selector.stateFile'",
        state.toString(), "was learned with lambda 100.0, not 1.0");
  }

  @Test
  void aFailedSaveIsLoggedAndThrownFromCloseNamingTheFile() {
    write("conf/blocker", "a file where the state's directory should be");
    Path state = dir.resolve("conf/blocker/linucb.json");
    Ralex ralex = Ralex.fromConfig(config("  stateFile: blocker/linucb.json\n"));
    ralex.chat(ChatRequest.of("a secret prompt"));
    Logger logger = (Logger) LoggerFactory.getLogger(LinUcbSelector.class);
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    logger.addAppender(log);
    Level previous = logger.getLevel();
    logger.setLevel(Level.WARN); // logback-test.xml keeps the root at ERROR
    try {
      assertThatThrownBy(ralex::close).isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining(state.toString());
    } finally {
      logger.setLevel(previous);
      logger.detachAppender(log);
    }
    assertThat(log.list).singleElement().satisfies(event -> {
      assertThat(event.getLevel()).isEqualTo(Level.WARN);
      assertThat(event.getFormattedMessage()).contains(state.toString()).doesNotContain("secret");
    });
  }

  @Test
  void aSelectorBuiltInCodeWithoutAStateFileIsUnchangedByClose() {
    LinUcbSelector selector = LinUcbSelector.builder().build();
    selector.close();
    assertThat(selector.stateFile()).isEmpty();
    assertThat(selector.stats()).isEmpty();
  }

  @Test
  void theFactoryCanBeUsedFromCodeToo() {
    LinUcbSelector selector = (LinUcbSelector) new LinUcbSelectorFactory()
        .create(SelectorConfig.of(Map.of("alpha", "0.7", "spendPerCall", "0.002")));
    assertThat(selector.bandit().alpha()).isEqualTo(0.7);
    assertThat(selector.steering().isActive()).isTrue();
    assertThatThrownBy(() -> new LinUcbSelectorFactory().create(SelectorConfig.of(Map.of("alpha", "-1"))))
        .isInstanceOf(ConfigurationException.class).hasMessage("'alpha' must be a number of at least 0, such as 1.5");
  }
}

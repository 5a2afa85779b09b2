package dev.ralex.bench;

import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Prints the Markdown table of docs/BENCHMARKS.md's conversation savings: a scripted 200-turn coding conversation on
 * Claude Haiku 4.5, strict and uncached against history compression with prompt caching, per-turn input tokens
 * billed at turns 1, 10, 50, 100, 150 and 200, totals, both costs and their ratio.
 *
 * <p>It runs exactly the comparison of {@code dev.ralex.examples.LongConversationExample} (the script, the two
 * Ralex configurations and the {@code SimulatedLlmServer} with Anthropic's prompt-caching rules), which lives in
 * ralex-examples, a module this one does not depend on: it loads those classes from the examples module's compiled
 * classes, so compile it first. From the repository root:
 *
 * <pre>
 * mvn -B -q install -DskipTests &amp;&amp; mvn -B -q -pl ralex-examples compile
 * mvn -B -q -pl ralex-bench exec:java -Dexec.mainClass=dev.ralex.bench.ConversationSavingsReport
 * </pre>
 *
 * Arguments: {@code --quick} runs the scaled-down variant (a tenth of the sizes on a 20,000-token window); the
 * system property {@code ralex.examples.classes} points at the classes if they are elsewhere.
 */
public final class ConversationSavingsReport {
  private static final List<String> CANDIDATES = List.of("ralex-examples/target/classes",
      "../ralex-examples/target/classes");

  private ConversationSavingsReport() {}

  /** Runs the comparison and prints the Markdown table on standard output. */
  public static void main(String[] args) throws Exception {
    boolean quick = List.of(args).contains("--quick");
    Path classes = examplesClasses();
    try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
        ConversationSavingsReport.class.getClassLoader())) {
      Class<?> example = loader.loadClass("dev.ralex.examples.LongConversationExample");
      Class<?> options = loader.loadClass("dev.ralex.examples.LongConversationExample$Options");
      Class<?> comparison = loader.loadClass("dev.ralex.examples.LongConversationExample$Comparison");
      Class<?> serverType = loader.loadClass("dev.ralex.examples.SimulatedLlmServer");
      Object chosen = options.getMethod(quick ? "quick" : "defaults").invoke(null);
      try (AutoCloseable server = (AutoCloseable) serverType.getConstructor().newInstance()) {
        serverType.getMethod("start").invoke(server);
        Method run = example.getMethod("run", options, serverType);
        Object result = run.invoke(null, chosen, server);
        System.out.print(example.getMethod("markdown", comparison).invoke(null, result));
      }
    }
  }

  private static Path examplesClasses() {
    String configured = System.getProperty("ralex.examples.classes");
    List<String> tried = configured != null ? List.of(configured) : CANDIDATES;
    for (String candidate : tried) {
      Path p = Path.of(candidate);
      if (Files.isRegularFile(p.resolve("dev/ralex/examples/LongConversationExample.class"))) {
        return p;
      }
    }
    throw new IllegalStateException("the compiled ralex-examples classes were not found in " + tried + " (from "
        + new File(".").getAbsoluteFile().getParent() + "): run `mvn -B -q -pl ralex-examples compile` first, or "
        + "set -Dralex.examples.classes=<dir>");
  }
}

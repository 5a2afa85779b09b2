package dev.ralex.core;

import java.nio.file.Path;
import java.util.function.Function;

/** Reads a Ralex configuration file into a builder. */
final class ConfigLoader {
  private ConfigLoader() {}

  static Ralex.Builder load(Path file, Function<String, String> environment) {
    throw new UnsupportedOperationException("placeholder until the loader lands");
  }
}

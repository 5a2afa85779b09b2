package dev.ralex.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writing the files tests read (configuration files, mostly). */
public final class TestFiles {
  private TestFiles() {}

  /** Writes {@code content} as UTF-8 to {@code dir/name}, creating its directories; returns the file. */
  public static Path write(Path dir, String name, String content) {
    try {
      Path file = dir.resolve(name);
      Files.createDirectories(file.getParent());
      return Files.writeString(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package dev.ralex.bandit;

import dev.ralex.core.AtomicFiles;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Function;

/** Reads a small state file, and replaces it atomically with {@link AtomicFiles}. */
final class StateFile {
  private StateFile() {}

  /** Reads the file as UTF-8 and hands it to {@code read}. */
  static <T> T read(Path file, Function<Reader, T> read) throws IOException {
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return read.apply(in);
    }
  }

  /**
   * Replaces {@code file} with what {@code write} writes, atomically; creates its directory if missing.
   *
   * @throws IOException if it cannot be written, or the file system cannot rename atomically ({@link
   *     java.nio.file.AtomicMoveNotSupportedException}); the file is then unchanged
   */
  static void write(Path file, Consumer<Writer> write) throws IOException {
    Path target = file.toAbsolutePath();
    Files.createDirectories(target.getParent());
    StringWriter text = new StringWriter();
    write.accept(text);
    AtomicFiles.replace(target, text.toString().getBytes(StandardCharsets.UTF_8));
  }
}

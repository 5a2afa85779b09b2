package dev.ralex.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.UUID;

/**
 * Crash-safe replacement of small files, for Ralex's stores and for extensions that keep state in a file (such as
 * a learning selector's): the bytes go to a hidden temporary file {@code .tmp-<uuid>.part} in the target's
 * directory, are forced to disk, and the temporary file is renamed atomically over the target, after which the
 * directory is forced too where the platform allows. A crash at any point leaves the old content or the new, never
 * a torn file; at worst a leftover {@code .tmp-*.part} file, which readers should ignore. Stateless and
 * thread-safe; two writers of one file each write whole content, and the last rename wins.
 */
public final class AtomicFiles {
  /** The prefix of the temporary files, so that directory readers can skip them. */
  public static final String TEMP_PREFIX = ".tmp-";

  private AtomicFiles() {}

  /**
   * Replaces (or creates) {@code file} with {@code bytes}, atomically. Its directory must exist.
   *
   * @throws java.nio.file.AtomicMoveNotSupportedException if the file system cannot rename atomically; the file is
   *     then unchanged
   * @throws IOException if the bytes cannot be written or renamed; the file is then unchanged
   */
  public static void replace(Path file, byte[] bytes) throws IOException {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(bytes, "bytes");
    Path target = file.toAbsolutePath();
    Path directory = target.getParent();
    Path temp = directory.resolve(TEMP_PREFIX + UUID.randomUUID() + ".part");
    try {
      try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory(directory);
    } finally {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException leftover) {
        // Gone after a rename; otherwise a hidden leftover that readers skip, and the failure that left it is the
        // one the caller sees.
      }
    }
  }

  /**
   * Forces {@code directory}'s entries (a rename or a deletion in it) to disk, where the platform allows opening a
   * directory (not on Windows); best effort, since the files' own contents were forced before.
   */
  public static void syncDirectory(Path directory) {
    Objects.requireNonNull(directory, "directory");
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException | UnsupportedOperationException notSupported) {
      // Best effort: see above.
    }
  }
}

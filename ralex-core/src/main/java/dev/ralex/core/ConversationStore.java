package dev.ralex.core;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Where {@link Conversation}s keep their state between sends and across restarts. {@link Ralex#conversation}
 * loads a conversation from the store on first use and saves it after every successful send and every change of
 * its pins, system prompt, model preference or budget.
 *
 * <p>Implementations must be thread-safe. Ralex calls {@link #save} for one id from one thread at a time (a
 * conversation's changes are serialized), and for different ids in parallel.
 */
public interface ConversationStore {
  /**
   * The stored state of the conversation with this id, or empty if none is stored.
   *
   * @throws ConversationStoreException if it cannot be read, or what is stored is corrupt
   */
  Optional<ConversationState> load(String id);

  /**
   * Stores the state of the conversation with this id, replacing what was stored; when this returns the state
   * is stored whole (never half-written).
   *
   * @throws ConversationStoreException if it cannot be written; what was stored before is then kept
   */
  void save(String id, ConversationState state);

  /**
   * Removes the conversation with this id; does nothing if none is stored.
   *
   * @throws ConversationStoreException if it cannot be removed
   */
  void delete(String id);

  /**
   * The ids of the stored conversations, a snapshot.
   *
   * @throws ConversationStoreException if they cannot be listed
   */
  Set<String> ids();

  /** A store in this process's memory, the default: conversations are lost when the process ends. */
  static ConversationStore inMemory() {
    return new InMemoryConversationStore();
  }

  /**
   * A durable store with one JSON file per conversation in {@code directory} (created if missing). File names are
   * derived from the ids so that no id can name a file outside the directory; writes are atomic (a temporary file
   * in the directory, forced to disk, then renamed over the old one), so a crash mid-write leaves the previous
   * version readable. Every content block kind, pin, cache-control mark and the conversation's settings are read
   * back exactly. Several processes may share a directory, but saves of one conversation from two processes
   * replace each other (the last one wins).
   *
   * @throws ConversationStoreException if the directory cannot be created
   */
  static ConversationStore files(Path directory) {
    return new FileConversationStore(directory);
  }
}

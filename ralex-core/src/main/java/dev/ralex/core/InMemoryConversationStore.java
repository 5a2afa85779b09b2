package dev.ralex.core;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** {@link ConversationStore} in a concurrent map; states are immutable, so they are stored as given. */
final class InMemoryConversationStore implements ConversationStore {
  private final ConcurrentMap<String, ConversationState> states = new ConcurrentHashMap<>();

  @Override
  public Optional<ConversationState> load(String id) {
    return Optional.ofNullable(states.get(Objects.requireNonNull(id, "id")));
  }

  @Override
  public void save(String id, ConversationState state) {
    states.put(Objects.requireNonNull(id, "id"), Objects.requireNonNull(state, "state"));
  }

  @Override
  public void delete(String id) {
    states.remove(Objects.requireNonNull(id, "id"));
  }

  @Override
  public Set<String> ids() {
    return Set.copyOf(states.keySet());
  }

  @Override
  public String toString() {
    return "ConversationStore.inMemory[" + states.size() + " conversations]";
  }
}

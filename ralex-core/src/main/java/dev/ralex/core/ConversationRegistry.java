package dev.ralex.core;

import dev.ralex.api.RalexEvent;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The conversations of one {@link Ralex}: each id's live {@link Conversation}, loaded from the store on first use,
 * and the settings conversations share (store, history repair, the zone in which their budget days start).
 * Thread-safe.
 */
final class ConversationRegistry {
  final ConversationStore store;
  final HistoryRepair repair;
  final ZoneId zone;
  private final ConcurrentMap<String, Conversation> conversations = new ConcurrentHashMap<>();

  ConversationRegistry(ConversationStore store, HistoryRepair repair, ZoneId zone, Listeners listeners) {
    this.store = Objects.requireNonNull(store, "store");
    // Every repair is also a listener event.
    this.repair = Objects.requireNonNull(repair, "repair").alsoNotifying((conversationId, result) -> {
      if (!listeners.isEmpty()) {
        List<String> uses = new ArrayList<>();
        List<String> results = new ArrayList<>();
        for (HistoryRepair.Orphan o : result.orphans()) {
          (o.kind() == HistoryRepair.OrphanKind.TOOL_USE ? uses : results).add(o.toolUseId());
        }
        listeners.fire(new RalexEvent.HistoryRepaired("", conversationId, uses, results, result.droppedMessages(),
            result.mergedMessages()));
      }
    });
    this.zone = Objects.requireNonNull(zone, "zone");
  }

  /**
   * The live conversation with this id, loaded from the store (or empty) on first use.
   *
   * @throws ConversationStoreException if the stored conversation cannot be read
   */
  Conversation get(Ralex ralex, String id) {
    return conversations.computeIfAbsent(id,
        key -> new Conversation(ralex, this, key, store.load(key).orElse(ConversationState.EMPTY)));
  }

  /** Drops this live conversation, if it is still the one registered for its id. */
  void forget(Conversation conversation) {
    conversations.remove(conversation.id(), conversation);
  }
}

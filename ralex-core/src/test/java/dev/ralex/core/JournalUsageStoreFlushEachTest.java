package dev.ralex.core;

import java.nio.file.Path;

/** The {@link UsageStoreContract} for the journal forcing each record, with days in UTC. */
class JournalUsageStoreFlushEachTest extends UsageStoreContract {
  @Override
  protected UsageStore open(Path directory) {
    return UsageStore.journal(directory);
  }

  @Override
  protected boolean durable() {
    return true;
  }
}

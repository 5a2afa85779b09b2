package dev.ralex.core;

import java.nio.file.Path;
import java.time.ZoneId;

/**
 * The {@link UsageStoreContract} for the journal with group commit, with days in Tokyo, so that compacted days
 * straddle the UTC months the files are cut by.
 */
class JournalUsageStoreGroupCommitTest extends UsageStoreContract {
  @Override
  protected UsageStore open(Path directory) {
    return UsageStore.journalBuilder(directory)
        .flushPolicy(UsageStore.FlushPolicy.GROUP_COMMIT)
        .zone(ZoneId.of("Asia/Tokyo"))
        .build();
  }

  @Override
  protected boolean durable() {
    return true;
  }
}

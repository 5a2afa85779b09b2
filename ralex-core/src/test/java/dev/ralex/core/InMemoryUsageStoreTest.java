package dev.ralex.core;

import java.nio.file.Path;

/** The {@link UsageStoreContract} for {@link UsageStore#inMemory()}. */
class InMemoryUsageStoreTest extends UsageStoreContract {
  @Override
  protected UsageStore open(Path directory) {
    return UsageStore.inMemory();
  }
}

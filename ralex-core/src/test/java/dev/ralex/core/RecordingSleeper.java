package dev.ralex.core;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A sleeper that returns at once, advancing a manual clock by each wait and remembering it. Thread-safe. */
class RecordingSleeper implements Sleeper {
  private final ManualClock clock;
  final List<Duration> sleeps = new CopyOnWriteArrayList<>();

  RecordingSleeper(ManualClock clock) {
    this.clock = clock;
  }

  @Override
  public void sleep(Duration duration) {
    sleeps.add(duration);
    clock.advance(duration);
  }
}

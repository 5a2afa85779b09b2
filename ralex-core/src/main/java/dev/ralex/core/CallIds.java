package dev.ralex.core;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Call ids unique across processes without a UUID per call: a random 48-bit prefix per {@link Ralex} instance
 * and a counter, such as {@code 5f0c2ab913e4-1a}.
 */
final class CallIds {
  private final String prefix;
  private final AtomicLong counter = new AtomicLong();

  CallIds() {
    long random = new SecureRandom().nextLong() & 0xFFFF_FFFF_FFFFL;
    this.prefix = String.format("%012x-", random);
  }

  String next() {
    return prefix + Long.toHexString(counter.incrementAndGet());
  }
}

package dev.ralex.bandit;

import dev.ralex.api.RoutingContext;
import java.util.List;

/**
 * Turns a routing context into the feature vector a {@link LinUcb} decides from. Implementations must be
 * thread-safe and return vectors of {@link #dimension()} entries whose first entry is the bias, 1, and whose
 * other entries lie in about [0, 1].
 */
public interface FeatureExtractor {
  /** The length of every vector {@link #extract(RoutingContext)} returns. */
  int dimension();

  /** The name of each entry, for diagnostics; {@link #dimension()} names. */
  List<String> names();

  /** The features of {@code context}: a new array of {@link #dimension()} entries. */
  double[] extract(RoutingContext context);
}

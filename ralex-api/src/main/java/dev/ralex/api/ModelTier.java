package dev.ralex.api;

/** A coarse class of a model's strength and price, used by selection rules and budget tiers. */
public enum ModelTier {
  /** Fast and inexpensive, for simple tasks. */
  CHEAP,
  /** A middle ground of strength and price. */
  BALANCED,
  /** The most capable and most expensive. */
  STRONG
}

/**
 * Ralex's entry point, {@link dev.ralex.core.Ralex}, and the stages of its call pipeline: the model catalog,
 * context fitting, selection, budgets and usage, rate limits, retries and fallback.
 *
 * <p>Every parameter and return value in this package is non-null unless its Javadoc says otherwise.
 */
package dev.ralex.core;

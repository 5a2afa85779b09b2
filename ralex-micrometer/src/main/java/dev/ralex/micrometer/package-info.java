/**
 * Micrometer metrics for Ralex: {@link dev.ralex.micrometer.RalexMetrics}, a {@link dev.ralex.api.RalexListener}
 * that turns Ralex's events into meters of any {@link io.micrometer.core.instrument.MeterRegistry} (Prometheus,
 * OTLP, Datadog, JMX and the rest), named after the OpenTelemetry GenAI semantic conventions where they define
 * one. Register it with {@code Ralex.builder().listener(RalexMetrics.of(registry))}. An optional module:
 * {@code ralex-core} does not depend on Micrometer.
 *
 * <p>Every parameter and return value in this package is non-null unless its Javadoc says otherwise.
 */
package dev.ralex.micrometer;

/**
 * OpenTelemetry traces for Ralex: {@link dev.ralex.opentelemetry.RalexTracing}, a {@link
 * dev.ralex.api.RalexListener} that makes a span per call and a child span per attempt, with the OpenTelemetry
 * GenAI semantic conventions' attributes, and records retries, fallbacks, escalations, rate-limit waits, context
 * compression, circuit changes and budget alerts as span events. Register it with {@code
 * Ralex.builder().listener(RalexTracing.of(openTelemetry))}. An optional module: {@code ralex-core} does not
 * depend on OpenTelemetry, and this one needs only {@code opentelemetry-api}; the application brings the SDK or
 * the Java agent.
 *
 * <p>Every parameter and return value in this package is non-null unless its Javadoc says otherwise.
 */
package dev.ralex.opentelemetry;

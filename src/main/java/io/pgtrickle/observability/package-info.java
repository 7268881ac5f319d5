/**
 * Observability (seed QW-1, QW-4, and the worker's /metrics).
 *
 * <ul>
 *   <li>{@link io.pgtrickle.observability.LatencyRecorder}: commit-to-visible latency of each refresh,
 *       stored by SQL in {@code pgtrickle.pgt_commit_latency}; read it with
 *       {@code pgtrickle.commit_latency_stats()}. Both hosts.</li>
 *   <li>{@link io.pgtrickle.observability.Tracing}: OpenTelemetry spans through the API only, no-ops
 *       unless a host installs an SDK. Both hosts.</li>
 *   <li>{@link io.pgtrickle.observability.WorkerMetrics}, {@link io.pgtrickle.observability.WorkerTelemetry},
 *       {@link io.pgtrickle.observability.TelemetryOptions}: the worker's Prometheus endpoint and its
 *       OpenTelemetry SDK. Worker only.</li>
 * </ul>
 *
 * <p>The configuration advisor ({@code pgtrickle.tune_recommendations()}) is SQL in {@code catalog.sql}.
 */
package io.pgtrickle.observability;

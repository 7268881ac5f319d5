package io.pgtrickle.observability;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * The worker's Prometheus metrics and its {@code /metrics} endpoint ({@code pg_trickle.metrics_port},
 * 0 disables it). Each worker has its own registry, so several workers can live in one JVM.
 *
 * <ul>
 *   <li>{@code pg_trickle_commit_to_visible_ms{stream_table}}: histogram (seed QW-1), from a source
 *       transaction's commit to the end of the refresh that made it visible; needs
 *       {@code track_commit_timestamp = on}.</li>
 *   <li>{@code pg_trickle_refreshes_total{stream_table,action}}, {@code pg_trickle_refresh_duration_seconds{stream_table,action}}
 *       (histogram; decision, apply, cleanup, history and commit),
 *       {@code pg_trickle_refresh_rows_total{stream_table,op}} (op inserted/deleted),
 *       {@code pg_trickle_refresh_errors_total{stream_table}}: committed and failed scheduled refreshes.</li>
 *   <li>{@code pg_trickle_stream_tables{status}}, {@code pg_trickle_suspended_tables},
 *       {@code pg_trickle_stream_table_staleness_seconds{stream_table}}: catalog state at the last tick.</li>
 *   <li>{@code pg_trickle_worker_pool_size}, {@code pg_trickle_worker_pool_active},
 *       {@code pg_trickle_scheduler_ticks_total}, {@code pg_trickle_scheduler_tick_errors_total}.</li>
 * </ul>
 */
public final class WorkerMetrics implements AutoCloseable {

    /** Histogram buckets of pg_trickle_commit_to_visible_ms: 1 ms to 1 h. */
    static final double[] LATENCY_BUCKETS_MS = {1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000,
        30_000, 60_000, 300_000, 900_000, 3_600_000};
    /** Histogram buckets of pg_trickle_refresh_duration_seconds: 1 ms to 10 min. */
    static final double[] DURATION_BUCKETS_S = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
        60, 300, 600};
    static final List<String> STATUSES = List.of("INITIALIZING", "ACTIVE", "SUSPENDED", "ERROR");

    /** What the database's replication slot retains (WAL capture), as the last tick saw it. */
    public record WalSlotLag(long bytes, Double seconds) {
    }

    /** A stream table as the last tick saw it. */
    public record TableState(String name, String status, Double stalenessSeconds) {
    }

    private static final System.Logger LOG = System.getLogger(WorkerMetrics.class.getName());

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Histogram commitToVisible;
    private final Counter refreshes;
    private final Histogram refreshDuration;
    private final Counter refreshRows;
    private final Counter refreshErrors;
    private final Counter ticks;
    private final Counter tickErrors;
    private final Counter bufferReleases;
    private final Map<String, Set<String>> actionsSeen = new ConcurrentHashMap<>();
    private volatile List<TableState> tables = List.of();
    private volatile IntSupplier poolSize = () -> 0;
    private volatile IntSupplier poolActive = () -> 0;
    private volatile WalSlotLag walSlotLag;
    private HTTPServer server;
    private int requestedPort = -1;

    public WorkerMetrics() {
        commitToVisible = Histogram.builder().name("pg_trickle_commit_to_visible_ms")
                .help("Time from a source transaction's commit to the end of the refresh that made it visible in"
                        + " the stream table (needs track_commit_timestamp = on)")
                .labelNames("stream_table").classicOnly().classicUpperBounds(LATENCY_BUCKETS_MS)
                .register(registry);
        refreshes = Counter.builder().name("pg_trickle_refreshes_total")
                .help("Scheduled refreshes committed, by what they did (FULL, DIFFERENTIAL, REINITIALIZE, NO_DATA)")
                .labelNames("stream_table", "action").register(registry);
        refreshDuration = Histogram.builder().name("pg_trickle_refresh_duration_seconds")
                .help("Wall time of committed scheduled refreshes, from the start of the refresh to its commit")
                .labelNames("stream_table", "action").classicOnly().classicUpperBounds(DURATION_BUCKETS_S)
                .register(registry);
        refreshRows = Counter.builder().name("pg_trickle_refresh_rows_total")
                .help("Rows written to stream tables by scheduled refreshes (op: inserted or deleted)")
                .labelNames("stream_table", "op").register(registry);
        refreshErrors = Counter.builder().name("pg_trickle_refresh_errors_total")
                .help("Scheduled refreshes that failed and were rolled back")
                .labelNames("stream_table").register(registry);
        ticks = Counter.builder().name("pg_trickle_scheduler_ticks_total")
                .help("Scheduler wake-ups (interval or change notification)").register(registry);
        tickErrors = Counter.builder().name("pg_trickle_scheduler_tick_errors_total")
                .help("Scheduler wake-ups that failed before planning (e.g. lost connection)").register(registry);
        bufferReleases = Counter.builder().name("pg_trickle_inactive_buffer_releases_total")
                .help("Times a SUSPENDED or ERROR stream table gave up more than pg_trickle.max_inactive_buffer_rows"
                        + " unconsumed changes (its next refresh is FULL)")
                .labelNames("stream_table").register(registry);
        GaugeWithCallback.builder().name("pg_trickle_stream_tables")
                .help("Stream tables by status at the last tick").labelNames("status")
                .callback(cb -> {
                    Map<String, Integer> byStatus = new HashMap<>();
                    for (TableState t : tables) {
                        byStatus.merge(t.status(), 1, Integer::sum);
                    }
                    for (String s : STATUSES) {
                        cb.call(byStatus.getOrDefault(s, 0), s);
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("pg_trickle_suspended_tables")
                .help("Stream tables SUSPENDED after pg_trickle.max_consecutive_errors failures, at the last tick")
                .callback(cb -> cb.call(tables.stream().filter(t -> t.status().equals("SUSPENDED")).count()))
                .register(registry);
        GaugeWithCallback.builder().name("pg_trickle_stream_table_staleness_seconds")
                .help("Age of each stream table's data (now - data_timestamp) at the last tick")
                .labelNames("stream_table")
                .callback(cb -> {
                    for (TableState t : tables) {
                        if (t.stalenessSeconds() != null) {
                            cb.call(t.stalenessSeconds(), t.name());
                        }
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("pg_trickle_wal_slot_lag_bytes")
                .help("WAL the replication slot of WAL capture retains (from its restart position), at the last tick")
                .callback(cb -> {
                    WalSlotLag lag = walSlotLag;
                    if (lag != null) {
                        cb.call(lag.bytes());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("pg_trickle_wal_slot_lag_seconds")
                .help("Age of the oldest position a stream table holds the replication slot at, at the last tick")
                .callback(cb -> {
                    WalSlotLag lag = walSlotLag;
                    if (lag != null && lag.seconds() != null) {
                        cb.call(lag.seconds());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("pg_trickle_worker_pool_size")
                .help("Refresh connections the worker may use now (pg_trickle.refresh_workers, per-table requests,"
                        + " lag remediation)")
                .callback(cb -> cb.call(poolSize.getAsInt())).register(registry);
        GaugeWithCallback.builder().name("pg_trickle_worker_pool_active")
                .help("Refresh connections busy now").callback(cb -> cb.call(poolActive.getAsInt())).register(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** Where the pool gauges read from. */
    public void bindPool(IntSupplier size, IntSupplier active) {
        this.poolSize = size;
        this.poolActive = active;
    }

    public void tick() {
        ticks.inc();
    }

    public void tickFailed() {
        tickErrors.inc();
    }

    /** The slot as this tick saw it; null when there is none. */
    public void walSlot(WalSlotLag lag) {
        walSlotLag = lag;
    }

    public void bufferReleased(String streamTable) {
        bufferReleases.labelValues(streamTable).inc();
    }

    /** The catalog as this tick saw it; series of stream tables that are gone are removed. */
    public void tables(List<TableState> now) {
        Set<String> names = new HashSet<>();
        for (TableState t : now) {
            names.add(t.name());
            refreshErrors.initLabelValues(t.name());
        }
        for (TableState old : tables) {
            if (!names.contains(old.name())) {
                forget(old.name());
            }
        }
        tables = List.copyOf(now);
    }

    /** A scheduled refresh committed. {@code latenciesMs}: commit-to-visible of the writers it consumed. */
    public void refreshed(String table, String action, long nanos, long inserted, long deleted, double[] latenciesMs) {
        actionsSeen.computeIfAbsent(table, k -> ConcurrentHashMap.newKeySet()).add(action);
        refreshes.labelValues(table, action).inc();
        refreshDuration.labelValues(table, action).observe(nanos / 1e9);
        refreshRows.labelValues(table, "inserted").inc(inserted);
        refreshRows.labelValues(table, "deleted").inc(deleted);
        if (latenciesMs.length > 0) {
            var h = commitToVisible.labelValues(table);
            for (double ms : latenciesMs) {
                h.observe(ms);
            }
        }
    }

    /** A scheduled refresh failed (rolled back). */
    public void refreshFailed(String table) {
        refreshErrors.labelValues(table).inc();
    }

    private void forget(String table) {
        commitToVisible.remove(table);
        refreshErrors.remove(table);
        refreshRows.remove(table, "inserted");
        refreshRows.remove(table, "deleted");
        Set<String> actions = actionsSeen.remove(table);
        if (actions != null) {
            for (String a : actions) {
                refreshes.remove(table, a);
                refreshDuration.remove(table, a);
            }
        }
    }

    /**
     * Serves /metrics on {@code port} (0: not at all), rebinding when the port changed. A port that
     * cannot be bound is logged once and the worker carries on without the endpoint.
     */
    public synchronized void serve(int port) {
        if (port == requestedPort) {
            return;
        }
        requestedPort = port;
        stopServer();
        if (port <= 0) {
            return;
        }
        try {
            server = HTTPServer.builder().port(port).registry(registry).buildAndStart();
            LOG.log(Level.INFO, "pg_trickle worker: Prometheus metrics on http://0.0.0.0:" + server.getPort() + "/metrics");
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "pg_trickle worker: cannot serve /metrics on port " + port + ": " + e.getMessage());
        }
    }

    /** The port /metrics is served on, or -1. */
    public synchronized int port() {
        return server == null ? -1 : server.getPort();
    }

    @Override
    public synchronized void close() {
        stopServer();
        requestedPort = -1;
    }

    private void stopServer() {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}

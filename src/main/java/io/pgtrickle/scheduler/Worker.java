package io.pgtrickle.scheduler;

import io.pgtrickle.config.AllSettings;
import io.pgtrickle.config.SettingsSource;
import io.pgtrickle.observability.WorkerMetrics;
import io.pgtrickle.observability.WorkerTelemetry;
import io.pgtrickle.sql.Db;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The background scheduler worker: one long-lived process per database (more are safe standbys).
 *
 * <p>Every {@code pg_trickle.scheduler_interval_ms}, or sooner when a capture trigger sends
 * {@code NOTIFY pgtrickle_changes}, a tick loads the stream tables, orders them upstream first,
 * and refreshes the due ones on a pool of refresh connections, each refresh in its own
 * transaction. A stream table is row-locked with {@code FOR UPDATE SKIP LOCKED} for the whole
 * refresh, so two workers never refresh the same table at once. Failures are counted (SUSPENDED
 * at {@code pg_trickle.max_consecutive_errors}); out-of-memory, lock timeouts and lag are
 * remediated and logged to {@code pgt_refresh_history.reason_code}.
 *
 * <p>Use: {@code new Worker(factory, overrides).runUntilStopped()} for a process (SIGTERM finishes
 * the refresh in flight, then exits), or {@link #start()} / {@link #stop()}, or {@link #runOneTick()}
 * to drive it synchronously.
 *
 * <p>This class keeps the lifecycle and the wake-up loop; the parts are {@link ControlSession}
 * (LISTEN and settings), {@link TickRunner} (one wake-up), {@link TickPlanner} with {@link DuePolicy}
 * (what is due, upstream first), {@link RefreshPool} and {@link LagRemediation} (refresh threads and
 * connections), {@link RefreshAttempt} with {@link FailureRemediation} and {@link FailureKind} (one
 * refresh and self-healing), and {@link ObservedTables} (per-table metrics).
 *
 * <p>Observability: Prometheus {@code /metrics} on {@code pg_trickle.metrics_port} (see
 * {@link WorkerMetrics}), and OpenTelemetry spans when the options configure an exporter (see
 * {@link io.pgtrickle.observability.TelemetryOptions}); each wake-up is a
 * {@code pgtrickle.scheduler_tick} span, parent of the refreshes it starts.
 */
public final class Worker implements AutoCloseable {

    /** Opens a new connection to the database the worker serves. */
    @FunctionalInterface
    public interface ConnectionFactory {
        Connection open() throws SQLException;

        static ConnectionFactory of(String jdbcUrl) {
            return () -> DriverManager.getConnection(jdbcUrl);
        }
    }

    /** What one tick did (counts of stream tables). */
    public record TickReport(int due, int refreshed, int unchanged, int failed, int skipped) {
    }

    /** Reason codes written to pgt_refresh_history.reason_code. */
    public static final String REASON_OOM = "OOM_REDUCE_WORK_MEM";
    public static final String REASON_LOCK_TIMEOUT = "LOCK_TIMEOUT_BACKOFF";
    public static final String REASON_LOCK_RESTORED = "LOCK_TIMEOUT_RESTORED";
    public static final String REASON_LAG = "LAG_ADD_WORKER";
    public static final String REASON_SUSPENDED = "MAX_ERRORS_SUSPENDED";
    public static final String REASON_PERMANENT = "PERMANENT_ERROR";

    private static final System.Logger LOG = System.getLogger(Worker.class.getName());

    /** Held for a tick's planning and for every use of the control session. */
    private final Object tickLock = new Object();
    private final ControlSession control;
    private final WorkerMetrics metrics = new WorkerMetrics();
    private final RefreshPool pool;
    /** The connection holding a tick's shared decode of the WAL. */
    private final SharedDecode decodes;
    private final TickRunner ticks;
    private volatile WorkerTelemetry telemetry;

    private volatile boolean stopping;
    private volatile String fatal;
    private volatile long shutdownTimeoutSeconds = 300;
    private Thread loop;

    public Worker(ConnectionFactory connections, SettingsSource overrides) {
        this.control = new ControlSession(connections, overrides == null ? SettingsSource.empty() : overrides);
        this.pool = new RefreshPool(connections, metrics);
        this.decodes = new SharedDecode(connections);
        DuePolicy due = new DuePolicy();
        LagRemediation lag = new LagRemediation(pool, due);
        ObservedTables observed = new ObservedTables(metrics);
        TickPlanner planner = new TickPlanner(pool, due, lag, observed, decodes);
        RefreshAttempt refresh = new RefreshAttempt(pool, due, lag, metrics, observed, () -> stopping);
        this.ticks = new TickRunner(tickLock, control, metrics, planner, refresh, () -> stopping);
    }

    /** A worker for {@code options} (flags, environment, connection). */
    public static Worker fromOptions(WorkerOptions options) {
        Worker w = new Worker(options.connectionFactory(), options.overrides());
        w.shutdownTimeoutSeconds = options.shutdownTimeoutSeconds();
        w.telemetry = WorkerTelemetry.start(options.telemetry());
        return w;
    }

    /** How long {@link #stop()} waits for refreshes in flight. */
    public Worker shutdownTimeout(Duration timeout) {
        this.shutdownTimeoutSeconds = Math.max(1, timeout.toSeconds());
        return this;
    }

    /** The settings of the last tick: database GUCs overridden by flags and environment. */
    public AllSettings settings() {
        return control.settings();
    }

    /** The port /metrics is served on (after the first tick), or -1 when it is not served. */
    public int metricsPort() {
        return metrics.port();
    }

    /** Refresh connections the pool may use now. */
    public int refreshWorkers() {
        return pool.size();
    }

    /** Starts the tick loop on a background thread. */
    public synchronized void start() {
        if (loop != null) {
            throw new IllegalStateException("worker already started");
        }
        loop = new Thread(this::loop, "pg-trickle-scheduler");
        loop.setDaemon(true);
        loop.start();
    }

    /** Installs a shutdown hook (SIGTERM, SIGINT) that stops the worker gracefully. */
    public Worker installShutdownHook() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "pg-trickle-worker-stop"));
        return this;
    }

    /**
     * For the CLI: installs the shutdown hook, starts, and blocks until stopped. Throws when the
     * worker stopped by itself because it cannot continue (its database or the catalog is gone).
     */
    public void runUntilStopped() throws InterruptedException {
        installShutdownHook();
        start();
        loop.join();
        if (fatal != null) {
            throw new IllegalStateException(fatal);
        }
    }

    /** Why the worker stopped by itself, or null while it runs or after a requested stop. */
    public String stoppedBecause() {
        return fatal;
    }

    /**
     * Stops taking new work, lets the refreshes in flight finish and commit (up to the shutdown
     * timeout), then closes every connection. Idempotent.
     */
    public void stop() {
        stopping = true;
        Thread l;
        synchronized (this) {
            l = loop;
        }
        pool.shutdown();
        try {
            if (l != null && l != Thread.currentThread()) {
                l.join(TimeUnit.SECONDS.toMillis(shutdownTimeoutSeconds));
            }
            if (!pool.awaitTermination(shutdownTimeoutSeconds)) {
                LOG.log(Level.WARNING, "pg_trickle worker: refreshes still running after the shutdown timeout;"
                        + " closing their connections (PostgreSQL rolls them back)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pool.closeIdle();
        synchronized (tickLock) {
            control.close();
        }
        decodes.close();
        metrics.close();
        WorkerTelemetry t = telemetry;
        if (t != null) {
            t.close();
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Runs one tick synchronously: plans, refreshes every due table, upstream first, and waits. */
    public TickReport runOneTick() throws SQLException {
        return ticks.run(true);
    }

    /** Deletes history older than pg_trickle.history_retention_days now; returns rows removed. */
    public int pruneHistory() throws SQLException {
        synchronized (tickLock) {
            int days = control.loadSettings().monitoring().historyRetentionDays();
            return new SchedulerState(new Db(control.connection())).pruneHistory(days);
        }
    }

    // ---------------------------------------------------------------- loop

    private void loop() {
        long nextTick = 0;
        while (!stopping) {
            try {
                long now = System.currentTimeMillis();
                if (now >= nextTick) {
                    ticks.run(false);
                    nextTick = System.currentTimeMillis() + settings().scheduler().intervalMs();
                }
                long wait = Math.max(1, Math.min(200, nextTick - System.currentTimeMillis()));
                PGConnection pg;
                synchronized (tickLock) {
                    pg = control.listener();
                }
                PGNotification[] notes = pg.getNotifications((int) wait);
                if (notes != null && notes.length > 0) {
                    // A source changed: tick now (calculated tables), but not more than every 20 ms.
                    nextTick = Math.min(nextTick, System.currentTimeMillis() + 20);
                }
            } catch (SQLException | RuntimeException e) {
                if (stopping) {
                    break;
                }
                if (e instanceof WorkerCannotContinue || WorkerCannotContinue.isDatabaseGone(e)) {
                    LOG.log(Level.ERROR, "pg_trickle worker: stopping: " + e.getMessage());
                    fatal = e.getMessage();
                    new Thread(this::stop, "pg-trickle-worker-stop").start();
                    break;
                }
                LOG.log(Level.WARNING, "pg_trickle worker: tick failed, retrying: " + e.getMessage());
                metrics.tickFailed();
                synchronized (tickLock) {
                    control.close();
                }
                sleep(Math.min(5_000, settings().scheduler().intervalMs()));
                nextTick = 0;
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** For tests: stream tables currently being refreshed by this worker. */
    Set<Long> inFlight() {
        return pool.inFlight();
    }
}

package io.pgtrickle.scheduler;

import io.pgtrickle.catalog.CatalogStore;
import io.pgtrickle.catalog.StreamTable;
import io.pgtrickle.cdc.ChangeCapture;
import io.pgtrickle.config.AllSettings;
import io.pgtrickle.config.SettingsSource;
import io.pgtrickle.observability.LatencyRecorder;
import io.pgtrickle.observability.TraceSpan;
import io.pgtrickle.observability.Tracing;
import io.pgtrickle.observability.WorkerMetrics;
import io.pgtrickle.observability.WorkerTelemetry;
import io.pgtrickle.refresh.Initiator;
import io.pgtrickle.refresh.RefreshOutcome;
import io.pgtrickle.refresh.Refresher;
import io.pgtrickle.sql.Db;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

    /** Lag beyond this many schedule intervals, on this many ticks in a row, adds a refresh worker. */
    static final int LAG_FACTOR = 5;
    static final int LAG_TICKS = 2;
    static final int LAG_COOLDOWN_TICKS = 10;
    private static final int MAX_OOM_RETRIES = 3;
    private static final long HISTORY_PRUNE_EVERY_MS = 60_000;

    private static final System.Logger LOG = System.getLogger(Worker.class.getName());

    private enum Result { REFRESHED, UNCHANGED, FAILED, SKIPPED }

    private final ConnectionFactory connections;
    private final SettingsSource overrides;
    private final Object tickLock = new Object();
    private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();
    private final LinkedBlockingQueue<Connection> idle = new LinkedBlockingQueue<>();
    private final Map<Long, Integer> lagTicks = new ConcurrentHashMap<>();
    private final Map<Long, String> pendingReason = new ConcurrentHashMap<>();
    private final Map<String, Schedule> schedules = new ConcurrentHashMap<>();
    private final AtomicInteger threadIds = new AtomicInteger();
    private final ThreadPoolExecutor pool;
    private final WorkerMetrics metrics = new WorkerMetrics();
    private final Map<Long, String> names = new ConcurrentHashMap<>();
    private volatile WorkerTelemetry telemetry;

    private volatile boolean stopping;
    private volatile AllSettings settings = AllSettings.defaults();
    private volatile long shutdownTimeoutSeconds = 300;
    private Connection control;
    private Map<String, String> settingsAtConnect = Map.of();
    private Thread loop;
    private int lagExtraWorkers;
    private int lagCooldownTicks;
    private long lastPruneMs;

    public Worker(ConnectionFactory connections, SettingsSource overrides) {
        this.connections = connections;
        this.overrides = overrides == null ? SettingsSource.empty() : overrides;
        this.pool = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "pg-trickle-refresh-" + threadIds.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        metrics.bindPool(pool::getMaximumPoolSize, pool::getActiveCount);
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
        return settings;
    }

    /** The port /metrics is served on (after the first tick), or -1 when it is not served. */
    public int metricsPort() {
        return metrics.port();
    }

    /** Refresh connections the pool may use now. */
    public int refreshWorkers() {
        return pool.getMaximumPoolSize();
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

    /** For the CLI: installs the shutdown hook, starts, and blocks until stopped. */
    public void runUntilStopped() throws InterruptedException {
        installShutdownHook();
        start();
        loop.join();
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
            if (!pool.awaitTermination(shutdownTimeoutSeconds, TimeUnit.SECONDS)) {
                LOG.log(Level.WARNING, "pg_trickle worker: refreshes still running after the shutdown timeout;"
                        + " closing their connections (PostgreSQL rolls them back)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Connection c;
        while ((c = idle.poll()) != null) {
            closeQuietly(c);
        }
        synchronized (tickLock) {
            closeQuietly(control);
            control = null;
        }
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
        return tick(true);
    }

    /** Deletes history older than pg_trickle.history_retention_days now; returns rows removed. */
    public int pruneHistory() throws SQLException {
        synchronized (tickLock) {
            int days = loadSettings().monitoring().historyRetentionDays();
            return new SchedulerState(new Db(control())).pruneHistory(days);
        }
    }

    // ---------------------------------------------------------------- loop

    private void loop() {
        long nextTick = 0;
        while (!stopping) {
            try {
                long now = System.currentTimeMillis();
                if (now >= nextTick) {
                    tick(false);
                    nextTick = System.currentTimeMillis() + settings.scheduler().intervalMs();
                }
                long wait = Math.max(1, Math.min(200, nextTick - System.currentTimeMillis()));
                PGConnection pg;
                synchronized (tickLock) {
                    pg = control().unwrap(PGConnection.class);
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
                LOG.log(Level.WARNING, "pg_trickle worker: tick failed, retrying: " + e.getMessage());
                metrics.tickFailed();
                synchronized (tickLock) {
                    closeQuietly(control);
                    control = null;
                }
                sleep(Math.min(5_000, settings.scheduler().intervalMs()));
                nextTick = 0;
            }
        }
    }

    private Connection control() throws SQLException {
        if (control == null || control.isClosed()) {
            Connection c = connections.open();
            c.setAutoCommit(true);
            try (var st = c.createStatement()) {
                st.execute("LISTEN " + ChangeCapture.NOTIFY_CHANNEL);
            }
            control = c;
            settingsAtConnect = liveDatabaseSettings(new Db(c));
        }
        return control;
    }

    /**
     * Database settings (current_setting on the control session, so postgresql.conf reloads count),
     * overridden by flags and environment. A session only sees ALTER DATABASE/ROLE ... SET values
     * at connect time, so when those change the control connection is reopened to follow them
     * (pg_trickle.enabled = off pauses a running worker).
     */
    private AllSettings loadSettings() throws SQLException {
        Map<String, String> live = liveDatabaseSettings(new Db(control()));
        if (!live.equals(settingsAtConnect)) {
            closeQuietly(control);
            control = null;
        }
        AllSettings s = AllSettings.load(SettingsSource.fromDatabase(new Db(control())).overriddenBy(overrides));
        settings = s;
        return s;
    }

    /**
     * ALTER DATABASE / ALTER ROLE ... SET values for pg_trickle.* as they are in the catalog now.
     */
    private static Map<String, String> liveDatabaseSettings(Db db) throws SQLException {
        Map<String, String> values = new HashMap<>();
        for (String[] kv : db.query("SELECT split_part(cfg, '=', 1), substr(cfg, strpos(cfg, '=') + 1)"
                + " FROM pg_db_role_setting s, unnest(s.setconfig) cfg"
                + " WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))"
                + " AND s.setrole IN (0, (SELECT oid FROM pg_roles WHERE rolname = current_user))"
                + " AND cfg LIKE 'pg\\_trickle.%'"
                + " ORDER BY (s.setdatabase <> 0)::int + 2 * (s.setrole <> 0)::int",
                rs -> new String[] {rs.getString(1), rs.getString(2)})) {
            values.put(kv[0], kv[1]); // later rows are more specific and win, as in PostgreSQL
        }
        return values;
    }

    // ---------------------------------------------------------------- tick

    /** One wake-up, traced as pgtrickle.scheduler_tick until the refreshes it started have finished. */
    private TickReport tick(boolean wait) throws SQLException {
        List<CompletableFuture<Result>> all = new ArrayList<>();
        TraceSpan span = Tracing.start(Tracing.SCHEDULER_TICK);
        try {
            TickReport report = tick(wait, all);
            span.attr("pgtrickle.tick.due", report.due());
            return report;
        } catch (SQLException | RuntimeException e) {
            span.fail(e);
            throw e;
        } finally {
            span.endWhenDone(all);
        }
    }

    private TickReport tick(boolean wait, List<CompletableFuture<Result>> all) throws SQLException {
        int due;
        synchronized (tickLock) {
            if (stopping) {
                return new TickReport(0, 0, 0, 0, 0);
            }
            AllSettings s = loadSettings();
            metrics.serve(s.monitoring().metricsPort());
            metrics.tick();
            Db db = new Db(control());
            if (!s.scheduler().enabled()) {
                return new TickReport(0, 0, 0, 0, 0);
            }
            if (!new CatalogStore(db).isInstalled()) {
                LOG.log(Level.WARNING, "pg_trickle worker: the catalog is not installed in this database");
                return new TickReport(0, 0, 0, 0, 0);
            }
            SchedulerState state = new SchedulerState(db);
            long nowMs = System.currentTimeMillis();
            if (nowMs - lastPruneMs >= HISTORY_PRUNE_EVERY_MS) {
                state.pruneHistory(s.monitoring().historyRetentionDays());
                lastPruneMs = nowMs;
            }
            OffsetDateTime now = state.clock();
            Map<Long, SchedulerState.Row> rows = new HashMap<>();
            List<WorkerMetrics.TableState> observed = new ArrayList<>();
            for (SchedulerState.Row r : state.rows()) {
                rows.put(r.id(), r);
                names.put(r.id(), r.name());
                observed.add(new WorkerMetrics.TableState(r.name(), r.status(), r.dataTimestamp() == null ? null
                        : Duration.between(r.dataTimestamp(), now).toMillis() / 1000.0));
            }
            names.keySet().retainAll(rows.keySet());
            metrics.tables(observed);
            DependencyGraph graph = DependencyGraph.load(db);
            resizePool(s, state, rows.values());
            checkLag(s, state, rows.values(), now);

            Map<Long, CompletableFuture<Result>> planned = new HashMap<>();
            for (long id : graph.topologicalOrder(rows.keySet())) {
                SchedulerState.Row r = rows.get(id);
                if (!r.runnable() || inFlight.contains(id)) {
                    continue;
                }
                Set<Long> ups = graph.upstreamOf(id);
                if (ups.stream().anyMatch(u -> inFlight.contains(u) && !planned.containsKey(u))) {
                    continue; // upstream still refreshing from an earlier tick: catch up next tick
                }
                List<CompletableFuture<Result>> before = new ArrayList<>();
                for (long u : ups) {
                    if (planned.containsKey(u)) {
                        before.add(planned.get(u));
                    }
                }
                if (!isDue(r, now, state, graph, rows, !before.isEmpty())) {
                    continue;
                }
                inFlight.add(id);
                CompletableFuture<Result> f;
                try {
                    f = CompletableFuture.allOf(before.toArray(CompletableFuture[]::new))
                            .handle((v, e) -> null)
                            .thenApplyAsync(Tracing.propagate(v -> refreshTask(id, s)), pool);
                } catch (RuntimeException e) {
                    inFlight.remove(id);
                    throw e;
                }
                f = f.whenComplete((res, e) -> inFlight.remove(id));
                planned.put(id, f);
                all.add(f);
            }
            due = all.size();
        }
        if (!wait) {
            return new TickReport(due, 0, 0, 0, 0);
        }
        int[] counts = new int[Result.values().length];
        for (CompletableFuture<Result> f : all) {
            Result r;
            try {
                r = f.join();
            } catch (RuntimeException e) {
                r = Result.SKIPPED;
            }
            counts[r.ordinal()]++;
        }
        return new TickReport(due, counts[Result.REFRESHED.ordinal()], counts[Result.UNCHANGED.ordinal()],
                counts[Result.FAILED.ordinal()], counts[Result.SKIPPED.ordinal()]);
    }

    private Schedule schedule(String text) {
        return schedules.computeIfAbsent(text, t -> {
            try {
                return Schedule.parse(t);
            } catch (SQLException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        });
    }

    /** Due now, with the lock-timeout back-off stretching the interval. */
    private boolean isDue(SchedulerState.Row r, OffsetDateTime now, SchedulerState state, DependencyGraph graph,
                          Map<Long, SchedulerState.Row> rows, boolean upstreamRefreshingThisTick) throws SQLException {
        if (!r.populated() || r.needsFull()) {
            return true;
        }
        Schedule sched;
        try {
            sched = schedule(r.schedule());
        } catch (IllegalStateException e) {
            return false;
        }
        if (sched instanceof Schedule.Calculated) {
            if (upstreamRefreshingThisTick) {
                return true;
            }
            for (long u : graph.upstreamOf(r.id())) {
                SchedulerState.Row up = rows.get(u);
                if (up != null && up.dataTimestamp() != null
                        && (r.dataTimestamp() == null || up.dataTimestamp().isAfter(r.dataTimestamp()))) {
                    return true;
                }
            }
            return r.differential() && state.hasPendingChanges(r.id());
        }
        return timeDue(sched, r.lastAttemptAt(), r.backoffFactor(), now);
    }

    private static boolean timeDue(Schedule sched, OffsetDateTime last, int backoff, OffsetDateTime now) {
        if (last == null) {
            return true;
        }
        if (!sched.isDue(last.toZonedDateTime(), now.toZonedDateTime())) {
            return false;
        }
        return backoff <= 1 || !now.isBefore(last.plus(sched.nominalInterval().multipliedBy(backoff)));
    }

    // ---------------------------------------------------------------- pool and lag

    /** pg_trickle.refresh_workers, raised by per-table requests (0 = as many as allowed), plus lag additions. */
    private void resizePool(AllSettings s, SchedulerState state, Iterable<SchedulerState.Row> rows)
            throws SQLException {
        int cap = capacity(s, state);
        int want = s.scheduler().refreshWorkers();
        for (SchedulerState.Row r : rows) {
            if (r.runnable() && r.refreshWorkers() != null) {
                want = Math.max(want, r.refreshWorkers() == 0 ? cap : r.refreshWorkers());
            }
        }
        setPoolSize(Math.max(1, Math.min(cap, want + lagExtraWorkers)));
    }

    private int capacity(AllSettings s, SchedulerState state) throws SQLException {
        return Math.max(1, Math.min(s.scheduler().maxWorkers(), state.serverWorkerCapacity()));
    }

    private void setPoolSize(int n) {
        if (n > pool.getMaximumPoolSize()) {
            pool.setMaximumPoolSize(n);
            pool.setCorePoolSize(n);
        } else if (n < pool.getMaximumPoolSize()) {
            pool.setCorePoolSize(n);
            pool.setMaximumPoolSize(n);
        }
    }

    /** Sustained lag (over 5x the schedule on consecutive ticks) adds one refresh worker, within capacity. */
    private void checkLag(AllSettings s, SchedulerState state, Iterable<SchedulerState.Row> rows, OffsetDateTime now)
            throws SQLException {
        int cap = capacity(s, state);
        if (lagCooldownTicks > 0) {
            lagCooldownTicks--; // let the last added worker take effect before judging again
            return;
        }
        for (SchedulerState.Row r : rows) {
            if (!r.runnable() || !r.populated() || r.dataTimestamp() == null) {
                lagTicks.remove(r.id());
                continue;
            }
            Schedule sched;
            try {
                sched = schedule(r.schedule());
            } catch (IllegalStateException e) {
                continue;
            }
            if (sched instanceof Schedule.Calculated) {
                continue;
            }
            Duration allowed = sched.nominalInterval().multipliedBy((long) LAG_FACTOR * Math.max(1, r.backoffFactor()));
            Duration lag = Duration.between(r.dataTimestamp(), now);
            if (lag.compareTo(allowed) <= 0) {
                lagTicks.remove(r.id());
                continue;
            }
            int ticks = lagTicks.merge(r.id(), 1, Integer::sum);
            if (ticks >= LAG_TICKS && pool.getMaximumPoolSize() < cap) {
                lagExtraWorkers++;
                int before = pool.getMaximumPoolSize();
                setPoolSize(Math.min(cap, before + 1));
                pendingReason.put(r.id(), REASON_LAG);
                lagTicks.clear();
                lagCooldownTicks = LAG_COOLDOWN_TICKS;
                LOG.log(Level.INFO, "pg_trickle worker: " + r.name() + " lags " + lag.toMillis() + " ms (> "
                        + LAG_FACTOR + "x its schedule); refresh workers " + before + " -> " + refreshWorkers());
                return;
            }
        }
    }

    // ---------------------------------------------------------------- one refresh

    private Result refreshTask(long id, AllSettings s) {
        if (stopping) {
            return Result.SKIPPED;
        }
        Connection c = null;
        try {
            c = borrow();
            boolean force = false;
            for (int attempt = 0; ; attempt++) {
                Outcome o = attempt(c, id, s, force);
                if (o.retry && attempt < MAX_OOM_RETRIES && !stopping) {
                    force = true;
                    continue;
                }
                return o.result;
            }
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "pg_trickle worker: refresh of stream table " + id + " failed: " + e.getMessage());
            metrics.refreshFailed(names.getOrDefault(id, String.valueOf(id)));
            closeQuietly(c);
            c = null;
            return Result.FAILED;
        } finally {
            if (c != null) {
                idle.offer(c);
            }
        }
    }

    private record Outcome(Result result, boolean retry) {
    }

    private Outcome attempt(Connection c, long id, AllSettings s, boolean force) throws SQLException {
        Db db = new Db(c);
        CatalogStore catalog = new CatalogStore(db);
        SchedulerState state = new SchedulerState(db);
        Optional<StreamTable> locked = catalog.lock(id, true);
        if (locked.isEmpty()) {
            c.rollback(); // another worker is refreshing it, or it was dropped
            return new Outcome(Result.SKIPPED, false);
        }
        StreamTable st = locked.get();
        SchedulerState.Row row = state.row(id);
        if (!row.runnable()) {
            c.rollback();
            return new Outcome(Result.SKIPPED, false);
        }
        OffsetDateTime now = state.clock();
        Schedule sched = schedule(st.schedule());
        if (!force && row.populated() && !row.needsFull() && !(sched instanceof Schedule.Calculated)
                && !timeDue(sched, row.lastAttemptAt(), row.backoffFactor(), now)) {
            c.rollback(); // refreshed by another worker since this tick was planned
            return new Outcome(Result.SKIPPED, false);
        }
        if (st.isDifferential() && st.populated() && !st.needsFullRefresh() && !state.hasPendingChanges(id)) {
            state.touch(id);
            c.commit();
            return new Outcome(Result.UNCHANGED, false);
        }
        OffsetDateTime start = OffsetDateTime.now();
        long started = System.nanoTime();
        LatencyRecorder latency = LatencyRecorder.keepingSamples();
        try {
            RefreshOutcome outcome = new Refresher(db, s.dvm(), latency).refresh(st, Initiator.SCHEDULER);
            boolean restored = state.afterSuccess(id);
            String reason = pendingReason.remove(id);
            if (restored) {
                reason = REASON_LOCK_RESTORED;
            }
            if (reason != null) {
                state.annotateLatestHistory(id, reason);
            }
            c.commit();
            metrics.refreshed(row.name(), outcome.action().name(), System.nanoTime() - started, outcome.rowsInserted(),
                    outcome.rowsDeleted(), latency.lastSamplesMs());
            return new Outcome(Result.REFRESHED, false);
        } catch (SQLException e) {
            rollbackQuietly(c);
            if (isConnectionError(e, c)) {
                throw e;
            }
            return new Outcome(Result.FAILED, recordFailure(c, st, row.name(), start, e, s));
        }
    }

    /** In a new transaction: counts the failure and applies its remediation. Returns true to retry now. */
    private boolean recordFailure(Connection c, StreamTable st, String label, OffsetDateTime start, SQLException e,
                                  AllSettings s) throws SQLException {
        Db db = new Db(c);
        CatalogStore catalog = new CatalogStore(db);
        SchedulerState state = new SchedulerState(db);
        String sqlState = e.getSQLState() == null ? "" : e.getSQLState();
        String message = "[" + sqlState + "] " + e.getMessage();
        String action = st.isDifferential() && st.populated() && !st.needsFullRefresh() ? "DIFFERENTIAL" : "FULL";
        int max = s.scheduler().maxConsecutiveErrors();
        String reason = null;
        boolean retry = false;
        try {
            catalog.lock(st.id(), false);
            if (isOutOfMemory(sqlState, e.getMessage())) {
                int current = st.mergeWorkMemMb() != null ? st.mergeWorkMemMb() : s.dvm().mergeWorkMemMb();
                int lowered = Math.max(1, current * 3 / 4);
                state.setMergeWorkMem(st.id(), lowered);
                catalog.recordFailure(st.id(), message, max, false);
                reason = REASON_OOM;
                message += " (merge_work_mem_mb " + current + " -> " + lowered + ")";
                String now = state.status(st.id());
                retry = lowered < current && (now.equals("ACTIVE") || now.equals("INITIALIZING"));
            } else if (sqlState.equals("55P03")) {
                int factor = state.backOff(st.id(), message);
                reason = REASON_LOCK_TIMEOUT;
                message += " (interval x" + factor + " until " + SchedulerState.SUCCESSES_TO_RESTORE
                        + " successful refreshes in a row)";
            } else if (isPermanent(sqlState)) {
                catalog.recordFailure(st.id(), message, max, true);
                reason = REASON_PERMANENT;
            } else {
                int errors = catalog.recordFailure(st.id(), message, max, false);
                reason = errors >= max ? REASON_SUSPENDED : null;
            }
            catalog.recordHistory(st.id(), start, action, "FAILED", 0, 0, 0, Initiator.SCHEDULER.name(), message,
                    reason);
            c.commit();
            metrics.refreshFailed(label);
        } catch (SQLException inner) {
            rollbackQuietly(c);
            throw inner;
        }
        LOG.log(Level.WARNING, "pg_trickle worker: refresh of " + st.name().display() + " failed"
                + (reason == null ? "" : " (" + reason + ")") + ": " + message);
        return retry;
    }

    static boolean isOutOfMemory(String sqlState, String message) {
        return "53200".equals(sqlState)
                || (message != null && message.toLowerCase(Locale.ROOT).contains("out of memory"));
    }

    /** The defining query can no longer run: a source table, column, function or type is gone. */
    static boolean isPermanent(String sqlState) {
        return Set.of("42P01", "42703", "42883", "42704").contains(sqlState);
    }

    private static boolean isConnectionError(SQLException e, Connection c) {
        String st = e.getSQLState();
        try {
            return (st != null && st.startsWith("08")) || c.isClosed();
        } catch (SQLException x) {
            return true;
        }
    }

    private Connection borrow() throws SQLException {
        Connection c = idle.poll();
        while (c != null && !c.isValid(2)) {
            closeQuietly(c);
            c = idle.poll();
        }
        if (c == null) {
            c = connections.open();
        }
        c.setAutoCommit(false);
        return c;
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; PostgreSQL rolls back on disconnect
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing anyway
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
        return new HashSet<>(inFlight);
    }
}

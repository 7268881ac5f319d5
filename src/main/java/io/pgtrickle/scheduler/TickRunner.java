package io.pgtrickle.scheduler;

import io.pgtrickle.catalog.CatalogStore;
import io.pgtrickle.config.AllSettings;
import io.pgtrickle.observability.TraceSpan;
import io.pgtrickle.observability.Tracing;
import io.pgtrickle.observability.WorkerMetrics;
import io.pgtrickle.sql.Db;
import java.lang.System.Logger.Level;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * One wake-up of the worker, traced as {@code pgtrickle.scheduler_tick} until the refreshes it
 * started have finished: re-read the settings, serve /metrics, prune history once a minute, plan
 * and start the due refreshes, and, when asked, wait for them and count how they ended.
 *
 * <p>Planning holds the worker's tick lock, so ticks never overlap and the control session is
 * used by one thread at a time; the refreshes run after the lock is released.
 */
final class TickRunner {

    private static final long HISTORY_PRUNE_EVERY_MS = 60_000;
    private static final Worker.TickReport NOTHING = new Worker.TickReport(0, 0, 0, 0, 0);
    private static final System.Logger LOG = System.getLogger(Worker.class.getName());

    private final Object tickLock;
    private final ControlSession control;
    private final WorkerMetrics metrics;
    private final TickPlanner planner;
    private final RefreshAttempt refresh;
    private final BooleanSupplier stopping;
    private long lastPruneMs;

    TickRunner(Object tickLock, ControlSession control, WorkerMetrics metrics, TickPlanner planner,
               RefreshAttempt refresh, BooleanSupplier stopping) {
        this.tickLock = tickLock;
        this.control = control;
        this.metrics = metrics;
        this.planner = planner;
        this.refresh = refresh;
        this.stopping = stopping;
    }

    /** Runs one tick; with {@code wait}, returns after its refreshes ended, with their counts. */
    Worker.TickReport run(boolean wait) throws SQLException {
        List<CompletableFuture<RefreshResult>> all = new ArrayList<>();
        TraceSpan span = Tracing.start(Tracing.SCHEDULER_TICK);
        try {
            Worker.TickReport report = run(wait, all);
            span.attr("pgtrickle.tick.due", report.due());
            return report;
        } catch (SQLException | RuntimeException e) {
            span.fail(e);
            throw e;
        } finally {
            span.endWhenDone(all);
        }
    }

    private Worker.TickReport run(boolean wait, List<CompletableFuture<RefreshResult>> all) throws SQLException {
        int due;
        synchronized (tickLock) {
            if (stopping.getAsBoolean()) {
                return NOTHING;
            }
            AllSettings s = control.loadSettings();
            metrics.serve(s.monitoring().metricsPort());
            metrics.tick();
            Db db = new Db(control.connection());
            if (!s.scheduler().enabled()) {
                return NOTHING;
            }
            if (!new CatalogStore(db).isInstalled()) {
                throw new WorkerCannotContinue("pg_trickle is not installed in this database (or was dropped):"
                        + " nothing to refresh");
            }
            SchedulerState state = new SchedulerState(db);
            state.maintainWalCapture();
            metrics.walSlot(state.walSlotLag());
            long nowMs = System.currentTimeMillis();
            if (nowMs - lastPruneMs >= HISTORY_PRUNE_EVERY_MS) {
                state.pruneHistory(s.monitoring().historyRetentionDays());
                for (String released : state.releaseInactiveBuffers(s.cdc().maxInactiveBufferRows())) {
                    LOG.log(Level.WARNING, "pg_trickle worker: " + released + " is not refreshing and held more than "
                            + s.cdc().maxInactiveBufferRows() + " unconsumed changes; released them, its next refresh is FULL");
                    metrics.bufferReleased(released);
                }
                for (String released : state.releaseInactiveWal(s.cdc().maxInactiveWalMb())) {
                    LOG.log(Level.WARNING, "pg_trickle worker: " + released + " is not refreshing and made the replication"
                            + " slot retain more than " + s.cdc().maxInactiveWalMb() + " MB of WAL; it let go, its next"
                            + " refresh is FULL");
                    metrics.bufferReleased(released);
                }
                lastPruneMs = nowMs;
            }
            planner.plan(db, state, s, (id, decode) -> refresh.run(id, s, decode), all);
            due = all.size();
        }
        return wait ? waitFor(due, all) : new Worker.TickReport(due, 0, 0, 0, 0);
    }

    /** Waits for the refreshes a tick started and counts how they ended. */
    private static Worker.TickReport waitFor(int due, List<CompletableFuture<RefreshResult>> all) {
        int[] counts = new int[RefreshResult.values().length];
        for (CompletableFuture<RefreshResult> f : all) {
            RefreshResult r;
            try {
                r = f.join();
            } catch (RuntimeException e) {
                r = RefreshResult.SKIPPED;
            }
            counts[r.ordinal()]++;
        }
        return new Worker.TickReport(due, counts[RefreshResult.REFRESHED.ordinal()],
                counts[RefreshResult.UNCHANGED.ordinal()], counts[RefreshResult.FAILED.ordinal()],
                counts[RefreshResult.SKIPPED.ordinal()]);
    }
}

package io.pgtrickle.scheduler;

import io.pgtrickle.api.PgTrickle;
import io.pgtrickle.catalog.CatalogStore;
import io.pgtrickle.catalog.StreamTable;
import io.pgtrickle.cdc.wal.WalCapture;
import io.pgtrickle.config.AllSettings;
import io.pgtrickle.observability.LatencyRecorder;
import io.pgtrickle.observability.WorkerMetrics;
import io.pgtrickle.refresh.Initiator;
import io.pgtrickle.refresh.RefreshOutcome;
import io.pgtrickle.refresh.Refresher;
import io.pgtrickle.sql.Db;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * One scheduled refresh of a stream table, on a refresh thread with a pooled connection. The table
 * is row-locked ({@code FOR UPDATE SKIP LOCKED}) for the whole refresh and re-checked once locked,
 * since another worker may have refreshed it since the tick was planned. A failure is recorded and
 * remediated by {@link FailureRemediation}; after an out-of-memory failure the refresh is retried
 * at once with the lowered work memory, up to {@link #MAX_RETRIES} times.
 *
 * <p>A stream table with WAL-captured sources is refreshed in a REPEATABLE READ transaction: its
 * decode and its delta then see the sources at one snapshot, without locking out their writers. A
 * serialization failure (another refresh changed a row this one's snapshot predates) is retried
 * the same way. A refresh served by the tick's {@link SharedDecode} imports its snapshot and stores
 * its part of that decode; when that fails, or is retried, it decodes for itself.
 */
final class RefreshAttempt {

    private static final int MAX_RETRIES = 3;
    private static final String SERIALIZATION_FAILURE = "40001";
    private static final System.Logger LOG = System.getLogger(Worker.class.getName());

    private final RefreshPool pool;
    private final DuePolicy due;
    private final LagRemediation lag;
    private final FailureRemediation failures;
    private final WorkerMetrics metrics;
    private final ObservedTables observed;
    private final BooleanSupplier stopping;
    /** Stream tables last seen reading a WAL-captured source: their next attempt starts REPEATABLE READ. */
    private final Set<Long> walCaptured = ConcurrentHashMap.newKeySet();

    RefreshAttempt(RefreshPool pool, DuePolicy due, LagRemediation lag, WorkerMetrics metrics,
                   ObservedTables observed, BooleanSupplier stopping) {
        this.pool = pool;
        this.due = due;
        this.lag = lag;
        this.failures = new FailureRemediation(metrics);
        this.metrics = metrics;
        this.observed = observed;
        this.stopping = stopping;
    }

    /**
     * Refreshes stream table {@code id}, retrying after out-of-memory; never throws. {@code shared}:
     * the tick's decode of the WAL, if it serves this table (or null).
     */
    RefreshResult run(long id, AllSettings s, SharedDecode.Served shared) {
        if (stopping.getAsBoolean()) {
            return RefreshResult.SKIPPED;
        }
        Connection c = null;
        try {
            c = pool.borrow();
            boolean force = false;
            SharedDecode.Served decode = shared;
            for (int attempt = 0; ; attempt++) {
                Outcome o;
                try {
                    o = once(c, id, s, force, decode);
                } catch (SQLException e) {
                    boolean again = decode != null ? !FailureKind.isConnectionLost(e, c)
                            : SERIALIZATION_FAILURE.equals(e.getSQLState());
                    if (!again || attempt >= MAX_RETRIES) {
                        throw e;
                    }
                    Connections.rollbackQuietly(c);
                    decode = null; // the snapshot could not be imported, or is too old now
                    continue;
                }
                if (o.retry && attempt < MAX_RETRIES && !stopping.getAsBoolean()) {
                    force = true; // due when planned; the retry must not be skipped as "not due"
                    decode = null;
                    continue;
                }
                return o.result;
            }
        } catch (SQLException | RuntimeException e) {
            // The connection broke (or recording the failure did): drop it, count under the known name.
            LOG.log(Level.WARNING, "pg_trickle worker: refresh of stream table " + id + " failed: " + e.getMessage());
            metrics.refreshFailed(observed.label(id));
            Connections.closeQuietly(c);
            c = null;
            return RefreshResult.FAILED;
        } finally {
            if (c != null) {
                pool.giveBack(c);
            }
        }
    }

    private record Outcome(RefreshResult result, boolean retry) {
    }

    private Outcome once(Connection c, long id, AllSettings s, boolean force, SharedDecode.Served shared)
            throws SQLException {
        Db db = new Db(c);
        boolean repeatableRead = shared != null || walCaptured.contains(id);
        if (repeatableRead) {
            db.update("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
        }
        if (shared != null) {
            db.update(SharedDecode.importStatement(shared));
        }
        // Pooled connections serve every owner's stream tables, and code an owner wrote may have SET
        // session settings (statement_timeout, search_path, ...) during an earlier refresh: start clean.
        db.update("RESET ALL");
        SchedulerState state = new SchedulerState(db);
        Optional<StreamTable> locked = new CatalogStore(db).lock(id, true);
        if (locked.isEmpty()) {
            c.rollback(); // another worker is refreshing it, or it was dropped
            return new Outcome(RefreshResult.SKIPPED, false);
        }
        StreamTable st = locked.get();
        if (st.walCaptured() != repeatableRead) {
            c.rollback();
            if (st.walCaptured()) {
                walCaptured.add(id);
            } else {
                walCaptured.remove(id);
            }
            return once(c, id, s, force, null);
        }
        SchedulerState.Row row = state.row(id);
        if (!row.runnable()) {
            c.rollback();
            return new Outcome(RefreshResult.SKIPPED, false);
        }
        OffsetDateTime now = state.clock();
        Schedule sched = due.schedule(st.schedule());
        if (!force && row.populated() && !row.needsFull() && !(sched instanceof Schedule.Calculated)
                && !DuePolicy.timeDue(sched, row.lastAttemptAt(), row.backoffFactor(), now)) {
            c.rollback(); // refreshed by another worker since this tick was planned
            return new Outcome(RefreshResult.SKIPPED, false);
        }
        WalCapture.Decoded decoded = shared != null
                ? shared.wal().storeFor(db, st, System.nanoTime(), OffsetDateTime.now())
                : WalCapture.decode(db, st, false);
        if (st.isDifferential() && st.populated() && !st.needsFullRefresh() && !st.needsRebuild()
                && decoded.fullReason() == null && !state.hasPendingChanges(id)) {
            state.touch(id);
            c.commit();
            return new Outcome(RefreshResult.UNCHANGED, false);
        }
        OffsetDateTime start = OffsetDateTime.now();
        long started = System.nanoTime();
        LatencyRecorder latency = LatencyRecorder.keepingSamples();
        try {
            StreamTable current = new PgTrickle(c).rebuildIfNeeded(st);
            RefreshOutcome outcome = new Refresher(db, s.dvm(), latency).refresh(current, Initiator.SCHEDULER, decoded);
            boolean restored = state.afterSuccess(id);
            String reason = lag.takeReason(id);
            if (restored) {
                reason = Worker.REASON_LOCK_RESTORED;
            }
            if (reason != null) {
                state.annotateLatestHistory(id, reason);
            }
            c.commit();
            metrics.refreshed(row.name(), outcome.action().name(), System.nanoTime() - started, outcome.rowsInserted(),
                    outcome.rowsDeleted(), latency.lastSamplesMs());
            return new Outcome(RefreshResult.REFRESHED, false);
        } catch (SQLException e) {
            Connections.rollbackQuietly(c);
            if (FailureKind.isConnectionLost(e, c)) {
                throw e;
            }
            if (SERIALIZATION_FAILURE.equals(e.getSQLState())) {
                return new Outcome(RefreshResult.FAILED, true);
            }
            return new Outcome(RefreshResult.FAILED, failures.record(c, st, row.name(), start, e, s));
        }
    }
}

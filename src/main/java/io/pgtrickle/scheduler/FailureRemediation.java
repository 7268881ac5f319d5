package io.pgtrickle.scheduler;

import io.pgtrickle.catalog.CatalogStore;
import io.pgtrickle.catalog.StreamTable;
import io.pgtrickle.config.AllSettings;
import io.pgtrickle.observability.WorkerMetrics;
import io.pgtrickle.refresh.Initiator;
import io.pgtrickle.sql.Db;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.OffsetDateTime;

/**
 * Self-healing after a failed refresh, in a new transaction on the same connection: counts the
 * failure (SUSPENDED at pg_trickle.max_consecutive_errors), applies the remedy its {@link
 * FailureKind} calls for, and writes a FAILED history row with the reason code.
 * <ul>
 *   <li>out of memory: merge_work_mem_mb lowered by 25%, and retry now ({@link Worker#REASON_OOM});</li>
 *   <li>lock timeout: the table's interval is doubled until it succeeds again
 *       ({@link Worker#REASON_LOCK_TIMEOUT}); not counted as an error;</li>
 *   <li>permanent (the query can no longer run): status ERROR ({@link Worker#REASON_PERMANENT});</li>
 *   <li>anything else: counted; {@link Worker#REASON_SUSPENDED} when that suspends the table.</li>
 * </ul>
 */
final class FailureRemediation {

    private static final System.Logger LOG = System.getLogger(Worker.class.getName());

    private final WorkerMetrics metrics;

    FailureRemediation(WorkerMetrics metrics) {
        this.metrics = metrics;
    }

    /** Records failure {@code e} of refreshing {@code st}, which started at {@code start}. Returns true to retry now. */
    boolean record(Connection c, StreamTable st, String label, OffsetDateTime start, SQLException e, AllSettings s)
            throws SQLException {
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
            switch (FailureKind.of(sqlState, e.getMessage())) {
                case OUT_OF_MEMORY -> {
                    int current = st.mergeWorkMemMb() != null ? st.mergeWorkMemMb() : s.dvm().mergeWorkMemMb();
                    int lowered = Math.max(1, current * 3 / 4);
                    state.setMergeWorkMem(st.id(), lowered);
                    catalog.recordFailure(st.id(), message, max, false);
                    reason = Worker.REASON_OOM;
                    message += " (merge_work_mem_mb " + current + " -> " + lowered + ")";
                    String now = state.status(st.id());
                    retry = lowered < current && (now.equals("ACTIVE") || now.equals("INITIALIZING"));
                }
                case LOCK_TIMEOUT -> {
                    int factor = state.backOff(st.id(), message);
                    reason = Worker.REASON_LOCK_TIMEOUT;
                    message += " (interval x" + factor + " until " + SchedulerState.SUCCESSES_TO_RESTORE
                            + " successful refreshes in a row)";
                }
                case PERMANENT -> {
                    catalog.recordFailure(st.id(), message, max, true);
                    reason = Worker.REASON_PERMANENT;
                }
                case TRANSIENT -> {
                    int errors = catalog.recordFailure(st.id(), message, max, false);
                    reason = errors >= max ? Worker.REASON_SUSPENDED : null;
                }
            }
            catalog.recordHistory(st.id(), start, action, "FAILED", 0, 0, 0, Initiator.SCHEDULER.name(), message,
                    reason);
            c.commit();
            metrics.refreshFailed(label);
        } catch (SQLException inner) {
            Connections.rollbackQuietly(c);
            throw inner;
        }
        LOG.log(Level.WARNING, "pg_trickle worker: refresh of " + st.name().display() + " failed"
                + (reason == null ? "" : " (" + reason + ")") + ": " + message);
        return retry;
    }
}

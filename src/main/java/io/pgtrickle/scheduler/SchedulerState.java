package io.pgtrickle.scheduler;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.observability.WorkerMetrics;
import io.pgtrickle.sql.Db;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * The scheduler's own catalog reads and writes: the columns it plans with and the self-healing
 * state (work memory, lock-timeout back-off, data timestamp). Runs inside the caller's transaction.
 */
final class SchedulerState {

    /** What one tick needs to know about a stream table. */
    record Row(long id, String name, String status, String schedule, OffsetDateTime lastRefreshAt,
               OffsetDateTime dataTimestamp, boolean differential, boolean populated, boolean needsFull,
               int backoffFactor, Integer refreshWorkers, OffsetDateTime lastFailureAt) {

        /** Schedules count from the last attempt, so a failing table is retried per its (backed-off) interval. */
        OffsetDateTime lastAttemptAt() {
            if (lastFailureAt == null) {
                return lastRefreshAt;
            }
            return lastRefreshAt == null || lastFailureAt.isAfter(lastRefreshAt) ? lastFailureAt : lastRefreshAt;
        }

        boolean runnable() {
            return status.equals("ACTIVE") || status.equals("INITIALIZING");
        }
    }

    static final int MAX_BACKOFF_FACTOR = 64;
    static final int SUCCESSES_TO_RESTORE = 3;

    private final Db db;

    SchedulerState(Db db) {
        this.db = db;
    }

    OffsetDateTime clock() throws SQLException {
        return db.queryOne("SELECT clock_timestamp()", rs -> rs.getObject(1, OffsetDateTime.class)).orElseThrow();
    }

    List<Row> rows() throws SQLException {
        return db.query(SELECT + " ORDER BY pgt_id", SchedulerState::map);
    }

    Row row(long id) throws SQLException {
        return db.queryOne(SELECT + " WHERE pgt_id = ?", SchedulerState::map, id).orElseThrow();
    }

    private static final String SELECT = "SELECT pgt_id, quote_ident(pgt_schema) || '.' || quote_ident(pgt_name),"
            + " status, schedule, last_refresh_at, data_timestamp, effective_refresh_mode = 'DIFFERENTIAL',"
            + " is_populated, needs_full_refresh OR needs_rebuild, backoff_factor, refresh_workers,"
            + " (SELECT max(h.end_time) FROM pgtrickle.pgt_refresh_history h WHERE h.pgt_id = st.pgt_id"
            + " AND h.status = 'FAILED') FROM pgtrickle.pgt_stream_tables st";

    private static Row map(java.sql.ResultSet rs) throws SQLException {
        return new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                rs.getObject(5, OffsetDateTime.class), rs.getObject(6, OffsetDateTime.class), rs.getBoolean(7),
                rs.getBoolean(8), rs.getBoolean(9), rs.getInt(10), (Integer) rs.getObject(11),
                rs.getObject(12, OffsetDateTime.class));
    }

    /** Whether any captured source holds a change this stream table has not consumed yet. */
    boolean hasPendingChanges(long id) throws SQLException {
        for (long source : db.query("SELECT source_relid::bigint FROM pgtrickle.pgt_dependencies"
                + " WHERE pgt_id = ? AND cdc_mode <> 'NONE'", rs -> rs.getLong(1), id)) {
            // Where capture cannot see every change (pgtrickle._capture_gap), the table is refreshed (FULL)
            // every time it is due.
            String f = DiffContext.FRONTIER_CTE;
            boolean pending = db.queryOne("WITH " + f + " AS (" + DiffContext.frontierOf("?") + ") SELECT EXISTS (SELECT 1"
                    + " FROM pgtrickle_changes.changes_" + source + " s, " + f
                    + " WHERE " + DiffContext.writtenSinceFrontier("s.__pgt_xid") + " AND NOT coalesce("
                    + DiffContext.consumedAtFrontier("s.__pgt_xid", "s.__pgt_change_id") + ", false))"
                    + " OR pgtrickle._capture_gap(" + source + "::oid) IS NOT NULL",
                    rs -> rs.getBoolean(1), id)
                    .orElse(false);
            if (pending) {
                return true;
            }
        }
        return false;
    }

    /**
     * WAL capture upkeep, in the control session's own transactions: the replication slot is created
     * once some source could be WAL-captured but for it (then those sources move to WAL capture),
     * advanced to where the stream tables' next decodes start, and dropped once no source needs it.
     */
    void maintainWalCapture() throws SQLException {
        db.query("SELECT pgtrickle._wal_ensure_slot(false), pgtrickle._wal_advance(), pgtrickle._wal_drop_unused_slot()",
                rs -> null);
    }

    /** What the replication slot retains now, or null without a slot. */
    WorkerMetrics.WalSlotLag walSlotLag() throws SQLException {
        return db.queryOne("SELECT lag_bytes, lag_seconds FROM pgtrickle.wal_slot_status()",
                rs -> new WorkerMetrics.WalSlotLag(rs.getLong(1), (Double) rs.getObject(2))).orElse(null);
    }

    /** Stream tables that are not refreshing and made the slot retain too much WAL let go of it (wal.sql). */
    List<String> releaseInactiveWal(int maxMb) throws SQLException {
        return db.query("SELECT * FROM pgtrickle._wal_release_inactive(?)", rs -> rs.getString(1), (long) maxMb);
    }

    /** A due differential table with nothing to apply: fresh as of now, without a NO_DATA history row. */
    void touch(long id) throws SQLException {
        db.update("UPDATE pgtrickle.pgt_stream_tables SET last_refresh_at = clock_timestamp(), data_timestamp = now()"
                + " WHERE pgt_id = ?", id);
    }

    /**
     * After a successful refresh in this transaction: the data is as of the transaction's start,
     * and a lock-timeout back-off counts one more success. Returns true when the back-off was lifted.
     */
    boolean afterSuccess(long id) throws SQLException {
        int[] b = db.queryOne("SELECT backoff_factor, backoff_successes FROM pgtrickle.pgt_stream_tables"
                + " WHERE pgt_id = ?", rs -> new int[] {rs.getInt(1), rs.getInt(2)}, id).orElse(new int[] {1, 0});
        boolean restore = b[0] > 1 && b[1] + 1 >= SUCCESSES_TO_RESTORE;
        int factor = restore ? 1 : b[0];
        int successes = b[0] > 1 && !restore ? b[1] + 1 : 0;
        db.update("UPDATE pgtrickle.pgt_stream_tables SET data_timestamp = now(), backoff_factor = ?,"
                + " backoff_successes = ? WHERE pgt_id = ?", factor, successes, id);
        return restore;
    }

    /** Sets the reason code of this table's newest history row (the one just written). */
    void annotateLatestHistory(long id, String reasonCode) throws SQLException {
        db.update("UPDATE pgtrickle.pgt_refresh_history SET reason_code = ? WHERE refresh_id ="
                + " (SELECT max(refresh_id) FROM pgtrickle.pgt_refresh_history WHERE pgt_id = ?)", reasonCode, id);
    }

    void setMergeWorkMem(long id, int mb) throws SQLException {
        db.update("UPDATE pgtrickle.pgt_stream_tables SET merge_work_mem_mb = ?, updated_at = now() WHERE pgt_id = ?",
                mb, id);
    }

    /** Doubles the back-off after a lock timeout; returns the new factor. Not counted as an error. */
    int backOff(long id, String message) throws SQLException {
        return db.queryOne("UPDATE pgtrickle.pgt_stream_tables SET backoff_factor = least(backoff_factor * 2, ?),"
                + " backoff_successes = 0, last_error = ? WHERE pgt_id = ? RETURNING backoff_factor",
                rs -> rs.getInt(1), MAX_BACKOFF_FACTOR, message, id).orElse(1);
    }

    String status(long id) throws SQLException {
        return db.queryOne("SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_id = ?", rs -> rs.getString(1), id)
                .orElse("ERROR");
    }

    /**
     * Deletes history and commit-latency samples older than {@code days} days (0 keeps everything);
     * returns history rows removed.
     */
    int pruneHistory(int days) throws SQLException {
        if (days <= 0) {
            return 0;
        }
        if (db.queryOne("SELECT to_regclass('pgtrickle.pgt_commit_latency') IS NOT NULL", rs -> rs.getBoolean(1))
                .orElse(false)) {
            db.update("DELETE FROM pgtrickle.pgt_commit_latency WHERE refreshed_at < now() - make_interval(days => ?)",
                    days);
        }
        return db.update("DELETE FROM pgtrickle.pgt_refresh_history"
                + " WHERE coalesce(end_time, start_time) < now() - make_interval(days => ?)", days);
    }

    /**
     * Lets SUSPENDED and ERROR stream tables that hold more than {@code maxRows} unconsumed changes
     * of a source give them up (capture.sql, _release_inactive_buffers); returns their names.
     */
    List<String> releaseInactiveBuffers(int maxRows) throws SQLException {
        return db.query("SELECT * FROM pgtrickle._release_inactive_buffers(?)", rs -> rs.getString(1), (long) maxRows);
    }

    /** The server's max_worker_processes: an upper bound on refresh connections. */
    int serverWorkerCapacity() throws SQLException {
        return db.queryOne("SELECT current_setting('max_worker_processes')::int", rs -> rs.getInt(1)).orElse(8);
    }
}

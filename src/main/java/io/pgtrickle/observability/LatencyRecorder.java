package io.pgtrickle.observability;

import io.pgtrickle.sql.Db;
import java.sql.Array;
import java.sql.SQLException;

/**
 * Seed QW-1: commit-to-visible latency of one refresh. For every writer transaction whose changes
 * the refresh consumes, the time from the writer's commit ({@code pg_xact_commit_timestamp}, needs
 * {@code track_commit_timestamp = on}) to the end of the refresh. The work is SQL
 * ({@code pgtrickle._record_commit_latency}, one row in {@code pgtrickle.pgt_commit_latency} per
 * refresh), so it is the same in both hosts.
 *
 * <p>Use, inside the refresh's transaction: {@link #before} while the previous frontier is still
 * in the catalog, {@link #after} once the delta statement has advanced it and before consumed
 * changes are deleted. Cost per refresh: one primary-key read, and with commit timestamps on one
 * call that scans the unconsumed part of the change buffers by their xid index. A recorder keeps
 * the state of one refresh at a time; it is not thread-safe.
 */
public final class LatencyRecorder {

    private static final double[] NONE = new double[0];

    /** The frontier before the refresh, as text (either part may be null: never refreshed). */
    public record Mark(String frontier, String frontierXid) {
    }

    private final boolean keepSamples;
    private double[] lastSamples = NONE;

    private LatencyRecorder(boolean keepSamples) {
        this.keepSamples = keepSamples;
    }

    /** Stores the per-refresh summary only (SQL functions, CLI). */
    public static LatencyRecorder summaryOnly() {
        return new LatencyRecorder(false);
    }

    /** Also returns each latency to Java, for the worker's Prometheus histogram. */
    public static LatencyRecorder keepingSamples() {
        return new LatencyRecorder(true);
    }

    /**
     * The frontier the refresh starts from, or null when there is nothing to measure: the stream
     * table reads no captured source, or the server does not track commit timestamps.
     */
    public Mark before(Db db, long pgtId, boolean capturesChanges) throws SQLException {
        lastSamples = NONE;
        if (!capturesChanges) {
            return null;
        }
        // A catalog installed before commit latency existed has no recorder function: skip, do not fail.
        return db.queryOne("SELECT frontier::text, frontier_xid::text FROM pgtrickle.pgt_stream_tables"
                        + " WHERE pgt_id = ? AND current_setting('track_commit_timestamp')::boolean AND to_regprocedure("
                        + "'pgtrickle._record_commit_latency(bigint,pg_snapshot,xid8,boolean)') IS NOT NULL",
                rs -> new Mark(rs.getString(1), rs.getString(2)), pgtId).orElse(null);
    }

    /** Records the latencies of the writers this refresh consumed; a no-op when {@code mark} is null. */
    public void after(Db db, long pgtId, Mark mark) throws SQLException {
        if (mark == null) {
            return;
        }
        lastSamples = db.queryOne("SELECT pgtrickle._record_commit_latency(?, ?::pg_snapshot, ?::xid8, ?)",
                rs -> keepSamples ? toDoubles(rs.getArray(1)) : NONE,
                pgtId, mark.frontier(), mark.frontierXid(), keepSamples).orElse(NONE);
    }

    /** Latencies in ms of the last {@link #after} (empty unless {@link #keepingSamples()}). */
    public double[] lastSamplesMs() {
        return lastSamples;
    }

    private static double[] toDoubles(Array array) throws SQLException {
        if (array == null) {
            return NONE;
        }
        Object[] values = (Object[]) array.getArray();
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = ((Number) values[i]).doubleValue();
        }
        return out;
    }
}

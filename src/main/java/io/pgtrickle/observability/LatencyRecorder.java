package io.pgtrickle.observability;

/**
 * Seed QW-1: commit-to-visible latency of one refresh. For every writer transaction whose changes
 * the refresh consumes, the time from the writer's commit ({@code pg_xact_commit_timestamp}, needs
 * {@code track_commit_timestamp = on}) to the end of the refresh. The work is SQL
 * ({@code pgtrickle._record_commit_latency}, one row in {@code pgtrickle.pgt_commit_latency} per
 * refresh), so it is the same in both hosts.
 *
 * <p>The refresh reads the previous frontier in {@code pgtrickle._refresh_begin} and measures in
 * {@code pgtrickle._refresh_end}, after the delta statement advanced the frontier and before the
 * consumed changes are deleted: with commit timestamps on, one scan of the unconsumed part of the
 * change buffers by their xid index. This class says whether the refresh should return each
 * latency and keeps those of the last refresh; it is not thread-safe.
 */
public final class LatencyRecorder {

    private static final double[] NONE = new double[0];

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

    /** Whether the refresh should return each latency (pgtrickle._refresh_end's want_samples). */
    public boolean keepsSamples() {
        return keepSamples;
    }

    /** Takes the latencies a refresh returned, comma-separated (NULL: nothing measured). */
    public void record(String samples) {
        lastSamples = keepSamples ? toDoubles(samples) : NONE;
    }

    /** Latencies in ms of the last {@link #after} (empty unless {@link #keepingSamples()}). */
    public double[] lastSamplesMs() {
        return lastSamples;
    }

    private static double[] toDoubles(String joined) {
        if (joined == null || joined.isEmpty()) {
            return NONE;
        }
        String[] values = joined.split(",");
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Double.parseDouble(values[i]);
        }
        return out;
    }
}

package io.pgtrickle.refresh;

/** The result of one refresh, for history, metrics and the CLI. */
public record RefreshOutcome(RefreshAction action, long rowsInserted, long rowsDeleted, long deltaRows,
                             int mergeStatements, long elapsedNanos, String reason) {

    public double elapsedMillis() {
        return elapsedNanos / 1_000_000.0;
    }
}

package io.pgtrickle.refresh;

/**
 * AUTO's cost model of one stream table, learnt from its own refresh history
 * ({@code pgtrickle._refresh_begin}): a FULL refresh costs what the last ones took, a differential
 * one a fixed part plus a part per pending change. Known once the history has a FULL refresh (the
 * first, on cold caches, stands in until there are others) and differential ones with different
 * numbers of pending changes; pg_trickle.differential_max_change_ratio applies in any case.
 */
record CostModel(double fullMs, double fixedMs, double msPerChange) {

    private static final CostModel UNKNOWN = new CostModel(Double.NaN, Double.NaN, Double.NaN);

    /** The estimates for a number of pending changes, and which is cheaper. */
    record Estimate(double differentialMs, double fullMs) {
        boolean fullIsCheaper() {
            return differentialMs > fullMs;
        }

        String describe(long pending) {
            return String.format(java.util.Locale.ROOT, "%.1f ms for %d changes against %.1f ms", differentialMs, pending,
                    fullMs);
        }
    }

    static CostModel of(Double fullMs, Double fixedMs, Double msPerChange) {
        // a line that falls with more changes says nothing about larger deltas
        if (fullMs == null || fixedMs == null || msPerChange == null || msPerChange <= 0) {
            return UNKNOWN;
        }
        return new CostModel(fullMs, Math.max(0, fixedMs), msPerChange);
    }

    /** Null when the model is not known yet. */
    Estimate estimate(long pending) {
        if (Double.isNaN(fullMs)) {
            return null;
        }
        return new Estimate(fixedMs + msPerChange * pending, fullMs);
    }
}

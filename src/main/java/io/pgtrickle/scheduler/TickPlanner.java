package io.pgtrickle.scheduler;

import io.pgtrickle.config.AllSettings;
import io.pgtrickle.sql.Db;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Decides which stream tables are due this tick and starts them on the refresh pool, upstream
 * first: a table planned after an upstream planned in the same tick waits for that refresh to end.
 * Before planning it brings the pool size, the lag remediation and the table metrics up to date.
 */
final class TickPlanner {

    private final RefreshPool pool;
    private final DuePolicy due;
    private final LagRemediation lag;
    private final ObservedTables observed;
    private final SharedDecode decodes;

    TickPlanner(RefreshPool pool, DuePolicy due, LagRemediation lag, ObservedTables observed, SharedDecode decodes) {
        this.pool = pool;
        this.due = due;
        this.lag = lag;
        this.observed = observed;
        this.decodes = decodes;
    }

    /** A refresh of stream table {@code id}, served by a shared decode of the WAL or not (null). */
    @FunctionalInterface
    interface Refresh {
        RefreshResult run(long id, SharedDecode.Served decode);
    }

    /**
     * Plans one tick on the control connection {@code db} and starts {@code refresh} of each due
     * table, adding its future to {@code started} as soon as it starts (so the caller can wait for
     * the ones already running even when planning fails half way). Due tables that read no other
     * stream table share one decode of the WAL ({@link SharedDecode}), held until they all ended.
     */
    void plan(Db db, SchedulerState state, AllSettings s, Refresh refresh,
              List<CompletableFuture<RefreshResult>> started) throws SQLException {
        OffsetDateTime now = state.clock();
        List<SchedulerState.Row> read = state.rows();
        Map<Long, SchedulerState.Row> rows = new HashMap<>();
        for (SchedulerState.Row r : read) {
            rows.put(r.id(), r);
        }
        observed.observe(read, now);
        DependencyGraph graph = DependencyGraph.load(db);
        int capacity = RefreshPool.capacity(s, state);
        pool.resize(s, capacity, rows.values());
        lag.check(capacity, rows.values(), now);

        List<Long> due = new ArrayList<>(); // upstream first
        Set<Long> planned = new HashSet<>();
        for (long id : graph.topologicalOrder(rows.keySet())) {
            SchedulerState.Row r = rows.get(id);
            if (!r.runnable() || pool.isInFlight(id)) {
                continue;
            }
            Set<Long> ups = graph.upstreamOf(id);
            if (ups.stream().anyMatch(u -> pool.isInFlight(u) && !planned.contains(u))) {
                continue; // upstream still refreshing from an earlier tick: catch up next tick
            }
            if (!this.due.isDue(r, now, state, graph, rows, ups.stream().anyMatch(planned::contains))) {
                continue;
            }
            due.add(id);
            planned.add(id);
        }

        SharedDecode.Served shared = decodes.begin(db, due.stream().filter(id -> graph.upstreamOf(id).isEmpty()).toList());
        Map<Long, CompletableFuture<RefreshResult>> futures = new HashMap<>();
        List<CompletableFuture<RefreshResult>> served = new ArrayList<>();
        try {
            for (long id : due) {
                List<CompletableFuture<RefreshResult>> before = new ArrayList<>();
                for (long u : graph.upstreamOf(id)) {
                    if (futures.containsKey(u)) {
                        before.add(futures.get(u));
                    }
                }
                SharedDecode.Served mine = shared != null && shared.serves(id) ? shared : null;
                CompletableFuture<RefreshResult> f = pool.submitAfter(id, before, () -> refresh.run(id, mine));
                futures.put(id, f);
                started.add(f);
                if (mine != null) {
                    served.add(f);
                }
            }
        } finally {
            if (shared != null) {
                CompletableFuture.allOf(served.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> decodes.end());
            }
        }
    }
}

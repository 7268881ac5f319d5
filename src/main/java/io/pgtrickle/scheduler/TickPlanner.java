package io.pgtrickle.scheduler;

import io.pgtrickle.config.AllSettings;
import io.pgtrickle.sql.Db;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;

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

    TickPlanner(RefreshPool pool, DuePolicy due, LagRemediation lag, ObservedTables observed) {
        this.pool = pool;
        this.due = due;
        this.lag = lag;
        this.observed = observed;
    }

    /**
     * Plans one tick on the control connection {@code db} and starts {@code refresh} of each due
     * table, adding its future to {@code started} as soon as it starts (so the caller can wait for
     * the ones already running even when planning fails half way).
     */
    void plan(Db db, SchedulerState state, AllSettings s, LongFunction<RefreshResult> refresh,
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

        Map<Long, CompletableFuture<RefreshResult>> planned = new HashMap<>();
        for (long id : graph.topologicalOrder(rows.keySet())) {
            SchedulerState.Row r = rows.get(id);
            if (!r.runnable() || pool.isInFlight(id)) {
                continue;
            }
            Set<Long> ups = graph.upstreamOf(id);
            if (ups.stream().anyMatch(u -> pool.isInFlight(u) && !planned.containsKey(u))) {
                continue; // upstream still refreshing from an earlier tick: catch up next tick
            }
            List<CompletableFuture<RefreshResult>> before = new ArrayList<>();
            for (long u : ups) {
                if (planned.containsKey(u)) {
                    before.add(planned.get(u));
                }
            }
            if (!due.isDue(r, now, state, graph, rows, !before.isEmpty())) {
                continue;
            }
            CompletableFuture<RefreshResult> f = pool.submitAfter(id, before, () -> refresh.apply(id));
            planned.put(id, f);
            started.add(f);
        }
    }
}

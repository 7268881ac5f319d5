package io.pgtrickle.scheduler;

import io.pgtrickle.config.AllSettings;
import io.pgtrickle.observability.Tracing;
import io.pgtrickle.observability.WorkerMetrics;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The refresh threads and their connections: one connection per thread at most, kept idle between
 * refreshes and checked before reuse. Its size follows the settings and the tables' requests each
 * tick, plus the workers lag remediation added; it also knows which stream tables are in flight.
 */
final class RefreshPool {

    private final Worker.ConnectionFactory connections;
    private final LinkedBlockingQueue<Connection> idle = new LinkedBlockingQueue<>();
    private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicInteger threadIds = new AtomicInteger();
    private final ThreadPoolExecutor executor;
    private int lagExtraWorkers;

    RefreshPool(Worker.ConnectionFactory connections, WorkerMetrics metrics) {
        this.connections = connections;
        this.executor = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "pg-trickle-refresh-" + threadIds.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        metrics.bindPool(executor::getMaximumPoolSize, executor::getActiveCount);
    }

    /** Refresh threads (and so connections) allowed now. */
    int size() {
        return executor.getMaximumPoolSize();
    }

    /** The most refresh workers allowed: pg_trickle.max_refresh_workers within max_worker_processes. */
    static int capacity(AllSettings s, SchedulerState state) throws SQLException {
        return Math.max(1, Math.min(s.scheduler().maxWorkers(), state.serverWorkerCapacity()));
    }

    /** pg_trickle.refresh_workers, raised by per-table requests (0 = as many as allowed), plus lag additions. */
    void resize(AllSettings s, int capacity, Iterable<SchedulerState.Row> rows) {
        int want = s.scheduler().refreshWorkers();
        for (SchedulerState.Row r : rows) {
            if (r.runnable() && r.refreshWorkers() != null) {
                want = Math.max(want, r.refreshWorkers() == 0 ? capacity : r.refreshWorkers());
            }
        }
        setSize(Math.max(1, Math.min(capacity, want + lagExtraWorkers)));
    }

    /** Adds one worker for lag, kept on later resizes; the caller checked it is below capacity. */
    void addLagWorker(int capacity) {
        lagExtraWorkers++;
        setSize(Math.min(capacity, size() + 1));
    }

    // Core and maximum size move in the order that keeps core <= maximum at every step.
    private void setSize(int n) {
        if (n > executor.getMaximumPoolSize()) {
            executor.setMaximumPoolSize(n);
            executor.setCorePoolSize(n);
        } else if (n < executor.getMaximumPoolSize()) {
            executor.setCorePoolSize(n);
            executor.setMaximumPoolSize(n);
        }
    }

    boolean isInFlight(long id) {
        return inFlight.contains(id);
    }

    /** For tests: stream tables currently being refreshed. */
    Set<Long> inFlight() {
        return new HashSet<>(inFlight);
    }

    /**
     * Runs {@code refresh} of stream table {@code id} once every future in {@code after} has ended
     * (failed or not), in the caller's trace context. The table counts as in flight from now until
     * the refresh ends.
     */
    CompletableFuture<RefreshResult> submitAfter(long id, List<CompletableFuture<RefreshResult>> after,
                                                 Supplier<RefreshResult> refresh) {
        inFlight.add(id);
        CompletableFuture<RefreshResult> f;
        try {
            f = CompletableFuture.allOf(after.toArray(CompletableFuture[]::new))
                    .handle((v, e) -> null)
                    .thenApplyAsync(Tracing.propagate(v -> refresh.get()), executor);
        } catch (RuntimeException e) {
            inFlight.remove(id);
            throw e;
        }
        return f.whenComplete((res, e) -> inFlight.remove(id));
    }

    /** An idle connection that is still valid, or a new one; in a transaction (autocommit off). */
    Connection borrow() throws SQLException {
        Connection c = idle.poll();
        while (c != null && !c.isValid(2)) {
            Connections.closeQuietly(c);
            c = idle.poll();
        }
        if (c == null) {
            c = connections.open();
        }
        c.setAutoCommit(false);
        return c;
    }

    /** Keeps {@code c} for the next refresh. */
    void giveBack(Connection c) {
        idle.offer(c);
    }

    /** Stops taking refreshes; those queued and running go on. */
    void shutdown() {
        executor.shutdown();
    }

    /** Waits for the refreshes after {@link #shutdown()}; false when some still run. */
    boolean awaitTermination(long seconds) throws InterruptedException {
        return executor.awaitTermination(seconds, TimeUnit.SECONDS);
    }

    /** Closes the idle connections. */
    void closeIdle() {
        Connection c;
        while ((c = idle.poll()) != null) {
            Connections.closeQuietly(c);
        }
    }
}

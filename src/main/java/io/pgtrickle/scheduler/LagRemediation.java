package io.pgtrickle.scheduler;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sustained lag adds a refresh worker: a table whose data is more than {@link #LAG_FACTOR} times its
 * (backed-off) schedule old on {@link #LAG_TICKS} ticks in a row gets the pool one more worker,
 * within capacity. The table's next successful refresh is annotated {@link Worker#REASON_LAG}.
 */
final class LagRemediation {

    /** Lag beyond this many schedule intervals, on this many ticks in a row, adds a refresh worker. */
    static final int LAG_FACTOR = 5;
    static final int LAG_TICKS = 2;
    /** Ticks to let the last added worker take effect before judging lag again. */
    static final int LAG_COOLDOWN_TICKS = 10;

    private static final System.Logger LOG = System.getLogger(Worker.class.getName());

    private final RefreshPool pool;
    private final DuePolicy due;
    private final Map<Long, Integer> lagTicks = new ConcurrentHashMap<>();
    private final Map<Long, String> pendingReason = new ConcurrentHashMap<>();
    private int cooldownTicks;

    LagRemediation(RefreshPool pool, DuePolicy due) {
        this.pool = pool;
        this.due = due;
    }

    /** Called once a tick, with the tables as the tick read them. */
    void check(int capacity, Iterable<SchedulerState.Row> rows, OffsetDateTime now) {
        if (cooldownTicks > 0) {
            cooldownTicks--; // let the last added worker take effect before judging again
            return;
        }
        for (SchedulerState.Row r : rows) {
            if (!r.runnable() || !r.populated() || r.dataTimestamp() == null) {
                lagTicks.remove(r.id());
                continue;
            }
            Schedule sched;
            try {
                sched = due.schedule(r.schedule());
            } catch (IllegalStateException e) {
                continue;
            }
            if (sched instanceof Schedule.Calculated) {
                continue;
            }
            Duration allowed = sched.nominalInterval().multipliedBy((long) LAG_FACTOR * Math.max(1, r.backoffFactor()));
            Duration lag = Duration.between(r.dataTimestamp(), now);
            if (lag.compareTo(allowed) <= 0) {
                lagTicks.remove(r.id());
                continue;
            }
            int ticks = lagTicks.merge(r.id(), 1, Integer::sum);
            if (ticks >= LAG_TICKS && pool.size() < capacity) {
                int before = pool.size();
                pool.addLagWorker(capacity);
                pendingReason.put(r.id(), Worker.REASON_LAG);
                lagTicks.clear();
                cooldownTicks = LAG_COOLDOWN_TICKS;
                LOG.log(Level.INFO, "pg_trickle worker: " + r.name() + " lags " + lag.toMillis() + " ms (> "
                        + LAG_FACTOR + "x its schedule); refresh workers " + before + " -> " + pool.size());
                return;
            }
        }
    }

    /** The reason to annotate stream table {@code id}'s next successful refresh with, once, or null. */
    String takeReason(long id) {
        return pendingReason.remove(id);
    }
}

package io.pgtrickle.scheduler;

import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When a stream table is due: by its schedule counted from the last attempt and stretched by the
 * lock-timeout back-off, or, for {@code calculated}, when its inputs have something new.
 *
 * <p>Schedules are parsed once per distinct text; the cache is shared by the tick thread and the
 * refresh threads, which re-check a table after locking it.
 */
final class DuePolicy {

    private final Map<String, Schedule> schedules = new ConcurrentHashMap<>();

    /** The parsed schedule; {@link IllegalStateException} when the catalog holds one that does not parse. */
    Schedule schedule(String text) {
        return schedules.computeIfAbsent(text, t -> {
            try {
                return Schedule.parse(t);
            } catch (SQLException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        });
    }

    /**
     * Due now. An unpopulated table, or one needing a full refresh, always is; a table whose schedule
     * does not parse never is. A calculated table is due when an upstream refreshes this tick or has
     * newer data, or when its captured sources have pending changes.
     */
    boolean isDue(SchedulerState.Row r, OffsetDateTime now, SchedulerState state, DependencyGraph graph,
                  Map<Long, SchedulerState.Row> rows, boolean upstreamRefreshingThisTick) throws SQLException {
        if (!r.populated() || r.needsFull()) {
            return true;
        }
        Schedule sched;
        try {
            sched = schedule(r.schedule());
        } catch (IllegalStateException e) {
            return false;
        }
        if (sched instanceof Schedule.Calculated) {
            if (upstreamRefreshingThisTick) {
                return true;
            }
            for (long u : graph.upstreamOf(r.id())) {
                SchedulerState.Row up = rows.get(u);
                if (up != null && up.dataTimestamp() != null
                        && (r.dataTimestamp() == null || up.dataTimestamp().isAfter(r.dataTimestamp()))) {
                    return true;
                }
            }
            return r.differential() && state.hasPendingChanges(r.id());
        }
        return timeDue(sched, r.lastAttemptAt(), r.backoffFactor(), now);
    }

    /** A time-based schedule is due, with the lock-timeout back-off multiplying its interval. */
    static boolean timeDue(Schedule sched, OffsetDateTime last, int backoff, OffsetDateTime now) {
        if (last == null) {
            return true;
        }
        if (!sched.isDue(last.toZonedDateTime(), now.toZonedDateTime())) {
            return false;
        }
        return backoff <= 1 || !now.isBefore(last.plus(sched.nominalInterval().multipliedBy(backoff)));
    }
}

package io.pgtrickle.scheduler;

import io.pgtrickle.observability.WorkerMetrics;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The stream tables as the last tick saw them, for metrics: each tick publishes their status and
 * staleness, and remembers their names so a refresh that fails before it has read its table can
 * still be counted under the table's name.
 */
final class ObservedTables {

    private final WorkerMetrics metrics;
    private final Map<Long, String> names = new ConcurrentHashMap<>();

    ObservedTables(WorkerMetrics metrics) {
        this.metrics = metrics;
    }

    /** Publishes the tables read at {@code now}; tables no longer there lose their names. */
    void observe(List<SchedulerState.Row> rows, OffsetDateTime now) {
        List<WorkerMetrics.TableState> observed = new ArrayList<>();
        Set<Long> ids = new HashSet<>();
        for (SchedulerState.Row r : rows) {
            ids.add(r.id());
            names.put(r.id(), r.name());
            observed.add(new WorkerMetrics.TableState(r.name(), r.status(), r.dataTimestamp() == null ? null
                    : Duration.between(r.dataTimestamp(), now).toMillis() / 1000.0));
        }
        names.keySet().retainAll(ids);
        metrics.tables(observed);
    }

    /** The metric label for stream table {@code id}: its name, or the id when no tick has seen it. */
    String label(long id) {
        return names.getOrDefault(id, String.valueOf(id));
    }
}

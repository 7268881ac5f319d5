package io.pgtrickle.scheduler;

import io.pgtrickle.config.SettingsSource;
import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Bounded polling and small SQL helpers for the worker tests (no timed assertions on speed). */
final class WorkerTestSupport {

    private WorkerTestSupport() {
    }

    /** A worker with {@code settings} over the database's; /metrics stays off unless a port is given. */
    static Worker worker(String url, Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        all.putIfAbsent("pg_trickle.metrics_port", "0");
        return new Worker(Worker.ConnectionFactory.of(url), SettingsSource.of(all));
    }

    static Worker worker(String url) {
        return worker(url, Map.of("pg_trickle.scheduler_interval_ms", "50"));
    }

    /** Waits until {@code condition} holds, failing after {@code limit}. */
    static void await(Duration limit, String what, Callable<Boolean> condition) throws Exception {
        io.pgtrickle.support.Await.until(limit, what, condition);
    }

    /** Runs ticks until {@code condition} holds (bounded). */
    static void tickUntil(Worker w, Duration limit, String what, Callable<Boolean> condition) throws Exception {
        await(limit, what, () -> {
            if (Boolean.TRUE.equals(condition.call())) {
                return true;
            }
            w.runOneTick();
            return condition.call();
        });
    }

    static long count(String url, String sql) throws Exception {
        try (Connection c = TestDatabase.connect(url)) {
            return Oracle.count(c, sql);
        }
    }

    static String text(String url, String sql) throws Exception {
        try (Connection c = TestDatabase.connect(url); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    static List<String> column(String url, String sql) throws Exception {
        try (Connection c = TestDatabase.connect(url); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }

    static List<String> diff(String url, String table, String query) throws Exception {
        try (Connection c = TestDatabase.connect(url)) {
            return Oracle.differences(c, table, query);
        }
    }

    static String history(String table) {
        return "pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables st USING (pgt_id)"
                + " WHERE st.pgt_name = '" + table + "'";
    }
}

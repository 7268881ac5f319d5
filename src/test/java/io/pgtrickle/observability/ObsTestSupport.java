package io.pgtrickle.observability;

import io.pgtrickle.support.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Small helpers for the observability tests: rows as maps, bounded polling, a free port. */
final class ObsTestSupport {

    private ObsTestSupport() {
    }

    static List<Map<String, Object>> rows(String url, String sql) throws Exception {
        try (Connection c = TestDatabase.connect(url)) {
            return rows(c, sql);
        }
    }

    static List<Map<String, Object>> rows(Connection c, String sql) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            List<Map<String, Object>> out = new ArrayList<>();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnLabel(i), rs.getObject(i));
                }
                out.add(row);
            }
            return out;
        }
    }

    static long count(String url, String sql) throws Exception {
        return ((Number) rows(url, sql).get(0).values().iterator().next()).longValue();
    }

    /** Waits until {@code condition} holds, failing after {@code limit} (never asserts on speed). */
    static void await(Duration limit, String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!Boolean.TRUE.equals(condition.call())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit.toSeconds() + "s waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}

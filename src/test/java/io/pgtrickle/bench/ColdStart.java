package io.pgtrickle.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The first pg_trickle call in a new backend: its time and the backend's memory after it (from
 * /proc, so the server must run on this machine). In the PL/Java host that call starts the
 * backend's JVM; pgt_status() is SQL and starts none.
 */
final class ColdStart {

    private ColdStart() {
    }

    /**
     * Milliseconds of the first {@code sql} in a new session, and the backend's memory after it in MB:
     * resident, proportional share (shared pages divided among the processes mapping them) and
     * private (pages no other process shares).
     */
    static double[] firstCall(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            int pid;
            try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            long t0 = System.nanoTime();
            st.execute(sql);
            double ms = (System.nanoTime() - t0) / 1e6;
            return new double[] {ms, kb(pid, "Rss:") / 1024, kb(pid, "Pss:") / 1024,
                    (kb(pid, "Private_Clean:") + kb(pid, "Private_Dirty:")) / 1024};
        }
    }

    private static double kb(int pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return Double.NaN; // the server runs elsewhere
        }
        return Double.NaN;
    }
}

package io.pgtrickle.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The first pg_trickle call in a new backend: its time and the backend's resident memory after it
 * (from /proc, so the server must run on this machine). In the PL/Java host that call starts the
 * backend's JVM; pgt_status() is SQL and starts none.
 */
final class ColdStart {

    private ColdStart() {
    }

    /** Milliseconds of the first {@code sql} in a new session, and the backend's RSS in MB before and after. */
    static double[] firstCall(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            int pid;
            try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            double before = rssMb(pid);
            long t0 = System.nanoTime();
            st.execute(sql);
            double ms = (System.nanoTime() - t0) / 1e6;
            return new double[] {ms, before, rssMb(pid)};
        }
    }

    private static double rssMb(int pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return Double.NaN; // the server runs elsewhere
        }
        return Double.NaN;
    }
}

package io.pgtrickle.scheduler;

import static io.pgtrickle.scheduler.WorkerTestSupport.text;
import static io.pgtrickle.scheduler.WorkerTestSupport.worker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.config.AllSettings;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerOptionsAndPresetsTest {

    @Test
    void flagsWinOverEnvironmentAndBadValuesAreRejected() throws Exception {
        WorkerOptions o = WorkerOptions.parse(List.of("--refresh-workers=4", "--set", "pg_trickle.enabled=off",
                "--scheduler-interval-ms", "250"), Map.of("PG_TRICKLE_REFRESH_WORKERS", "2",
                "PG_TRICKLE_MAX_CONSECUTIVE_ERRORS", "7", "PGHOST", "db.example", "PGPORT", "6543",
                "PGDATABASE", "app", "PGUSER", "me", "PGPASSWORD", "secret"));
        AllSettings s = AllSettings.load(o.overrides());
        assertEquals(4, s.scheduler().refreshWorkers());
        assertEquals(250, s.scheduler().intervalMs());
        assertEquals(7, s.scheduler().maxConsecutiveErrors());
        assertEquals(false, s.scheduler().enabled());
        assertEquals("jdbc:postgresql://db.example:6543/app", o.jdbcUrl());
        assertEquals("jdbc:postgresql://x/y", WorkerOptions.parse(List.of(),
                Map.of("PG_TRICKLE_URL", "jdbc:postgresql://x/y")).jdbcUrl());

        SQLException unknown = assertThrows(SQLException.class,
                () -> WorkerOptions.parse(List.of("--refresh-wrokers=2"), Map.of()));
        assertTrue(unknown.getMessage().contains("--refresh-workers"), unknown.getMessage());
        SQLException bad = assertThrows(SQLException.class,
                () -> WorkerOptions.parse(List.of("--refresh-workers=0"), Map.of()));
        assertEquals("22023", bad.getSQLState());
        assertTrue(bad.getMessage().contains("pg_trickle.refresh_workers"), bad.getMessage());
        assertThrows(SQLException.class, () -> WorkerOptions.parse(List.of(), Map.of("PG_TRICKLE_ENABLED", "maybe")));
    }

    @Test
    void dependencyGraphOrdersUpstreamFirst() {
        DependencyGraph g = DependencyGraph.of(Map.of(1L, List.of(2L), 2L, List.of(3L), 4L, List.of()));
        assertEquals(List.of(3L, 2L, 1L, 4L), g.topologicalOrder(List.of(1L, 2L, 3L, 4L)));
        assertEquals(List.of(2L, 1L), g.topologicalOrder(List.of(1L, 2L)));
        assertEquals(List.of(3L, 1L, 2L, 3L), g.cycleIfReads(3L, List.of(1L)));
        assertEquals(List.of(), g.cycleIfReads(4L, List.of(1L)));
    }

    @Test
    void presetsReadBackWithOverridesAndSizeTheWorkerPool() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t VALUES (1, 1)");
        Tx.run(url, p -> {
            p.createStreamTable("b", "SELECT id, v FROM t", null, null, true, "batch");
            p.createStreamTable("c", "SELECT id, v FROM t", null, null, true, "cost-optimized");
            p.createStreamTable("rt", "SELECT id, v FROM t", "30s", null, true, "real-time");
            p.createStreamTable("rtf", "SELECT id, v FROM t", null, "FULL", true, "REAL-TIME");
            p.createStreamTable("plain", "SELECT id, v FROM t", null, null, true, null);
            return null;
        });
        String cols = "SELECT schedule || '/' || refresh_mode || '/' || coalesce(refresh_workers::text, '-') || '/'"
                + " || coalesce(merge_work_mem_mb::text, '-') || '/' || coalesce(preset, '-')"
                + " FROM pgtrickle.pgt_stream_tables WHERE pgt_name = ";
        assertEquals("5m/AUTO/1/64/batch", text(url, cols + "'b'"));
        assertEquals("15m/AUTO/1/32/cost-optimized", text(url, cols + "'c'"));
        assertEquals("30s/DIFFERENTIAL/0/256/real-time", text(url, cols + "'rt'"));
        assertEquals("1s/FULL/0/256/real-time", text(url, cols + "'rtf'"));
        assertEquals("1m/AUTO/-/-/-", text(url, cols + "'plain'"));

        Tx.run(url, p -> { p.alterStreamTable("plain", null, "2m", null, null, "batch"); return null; });
        assertEquals("2m/AUTO/1/64/batch", text(url, cols + "'plain'"));

        SQLException e = assertThrows(SQLException.class, () -> Tx.run(url, p -> {
            p.createStreamTable("x", "SELECT id FROM t", null, null, true, "turbo");
            return null;
        }));
        assertEquals("22023", e.getSQLState());
        assertTrue(e.getMessage().contains("real-time, batch, cost-optimized"), e.getMessage());

        // refresh_workers 0 (real-time) asks for as many refresh connections as allowed.
        try (Worker w = worker(url, Map.of("pg_trickle.max_refresh_workers", "3"))) {
            w.runOneTick();
            assertEquals(3, w.refreshWorkers());
        }
        Tx.run(url, p -> {
            p.alterStreamTable("rt", null, null, null, "SUSPENDED", null);
            p.alterStreamTable("rtf", null, null, null, "SUSPENDED", null);
            return null;
        });
        try (Worker w = worker(url, Map.of("pg_trickle.max_refresh_workers", "3"))) {
            w.runOneTick();
            assertEquals(2, w.refreshWorkers()); // pg_trickle.refresh_workers default
        }
    }
}

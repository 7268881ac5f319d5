package io.pgtrickle.scheduler;

import static io.pgtrickle.scheduler.WorkerTestSupport.await;
import static io.pgtrickle.scheduler.WorkerTestSupport.count;
import static io.pgtrickle.scheduler.WorkerTestSupport.diff;
import static io.pgtrickle.scheduler.WorkerTestSupport.history;
import static io.pgtrickle.scheduler.WorkerTestSupport.text;
import static io.pgtrickle.scheduler.WorkerTestSupport.worker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerScheduleTest {

    private static final Duration LIMIT = Duration.ofSeconds(30);

    @Test
    void durationScheduleKeepsDifferentialTableFreshWithoutNoDataSpam() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t SELECT g, g FROM generate_series(1, 10) g");
        String q = "SELECT id, v FROM t WHERE v > 2";
        Tx.run(url, p -> { p.createStreamTable("dur", q, "200ms", "DIFFERENTIAL", true, null); return null; });
        try (Worker w = worker(url)) {
            w.start();
            Tx.sql(url, "INSERT INTO t VALUES (100, 100)", "DELETE FROM t WHERE id = 5");
            await(LIMIT, "dur to catch up", () -> diff(url, "dur", q).isEmpty());
            Tx.sql(url, "UPDATE t SET v = 0 WHERE id = 7");
            await(LIMIT, "dur to catch up again", () -> diff(url, "dur", q).isEmpty());
            // Idle: last_refresh_at keeps advancing, but no NO_DATA rows are written.
            String before = text(url, "SELECT last_refresh_at FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'dur'");
            await(LIMIT, "idle table to be re-checked", () -> count(url, "SELECT count(*) FROM pgtrickle.pgt_stream_tables"
                    + " WHERE pgt_name = 'dur' AND last_refresh_at > '" + before + "'") == 1);
        }
        assertTrue(count(url, "SELECT count(*) FROM " + history("dur")
                + " AND h.initiated_by = 'SCHEDULER' AND h.action = 'DIFFERENTIAL'") >= 2);
        assertEquals(0, count(url, "SELECT count(*) FROM " + history("dur") + " AND h.action = 'NO_DATA'"));
        assertEquals(1, count(url, "SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'dur'"
                + " AND data_timestamp IS NOT NULL AND status = 'ACTIVE'"));
    }

    @Test
    void cronScheduleRefreshesEverySecond() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t VALUES (1, 1)");
        Tx.run(url, p -> {
            p.createStreamTable("cronned", "SELECT count(*) AS n FROM t", "*/1 * * * * *", "FULL", true, null);
            return null;
        });
        try (Worker w = worker(url)) {
            w.start();
            await(LIMIT, "three cron refreshes", () -> count(url, "SELECT count(*) FROM " + history("cronned")
                    + " AND h.initiated_by = 'SCHEDULER' AND h.status = 'COMPLETED'") >= 3);
        }
        // Cron fires at most once per second: the scheduler refreshes fall in distinct seconds.
        assertEquals(0, count(url, "SELECT count(*) - count(DISTINCT date_trunc('second', h.start_time)) FROM "
                + history("cronned") + " AND h.initiated_by = 'SCHEDULER'"));
    }

    @Test
    void chainIsFreshAfterOneTickEvenWhenIdsAreNotInDependencyOrder() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t SELECT g, g FROM generate_series(1, 20) g");
        // Created downstream-first (ids c < b < a), then re-pointed: the tick must order a, b, c.
        Tx.run(url, p -> {
            p.createStreamTable("c", "SELECT count(*) AS n FROM t", "100ms", "FULL", true, null);
            p.createStreamTable("b", "SELECT id FROM t", "100ms", "FULL", true, null);
            p.createStreamTable("a", "SELECT id, v FROM t WHERE v % 2 = 0", "100ms", "DIFFERENTIAL", true, null);
            return null;
        });
        String qb = "SELECT id, v * 10 AS w FROM a";
        String qc = "SELECT count(*) AS n, sum(w) AS s FROM b";
        Tx.run(url, p -> {
            p.alterStreamTable("b", qb, null, null, null, null);
            p.alterStreamTable("c", qc, null, null, null, null);
            return null;
        });
        Tx.sql(url, "INSERT INTO t SELECT g, g FROM generate_series(21, 40) g", "DELETE FROM t WHERE id <= 4");
        await(LIMIT, "all three to be due", () -> count(url, "SELECT count(*) FROM pgtrickle.pgt_stream_tables"
                + " WHERE clock_timestamp() - last_refresh_at > interval '150 milliseconds'") == 3);
        try (Worker w = worker(url)) {
            Worker.TickReport r = w.runOneTick();
            assertEquals(3, r.refreshed(), r.toString());
        }
        assertEquals(List.of(), diff(url, "a", "SELECT id, v FROM t WHERE v % 2 = 0"));
        assertEquals(List.of(), diff(url, "b", qb));
        assertEquals(List.of(), diff(url, "c", qc));
        assertEquals(count(url, "SELECT count(*) FROM t WHERE v % 2 = 0"), count(url, "SELECT n FROM c"));
    }

    @Test
    void cyclesAreRejectedWithTheCycleNamedAndNothingChanged() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t VALUES (1, 1)");
        Tx.run(url, p -> {
            p.createStreamTable("a", "SELECT id, v FROM t", "1m", "FULL", true, null);
            p.createStreamTable("b", "SELECT id, v FROM a", "1m", "FULL", true, null);
            p.createStreamTable("c", "SELECT id, v FROM b", "1m", "FULL", true, null);
            return null;
        });
        SQLException e = assertThrows(SQLException.class, () -> Tx.run(url, p -> {
            p.alterStreamTable("a", "SELECT id, v FROM c", null, null, null, null);
            return null;
        }));
        assertEquals("42P17", e.getSQLState());
        assertTrue(e.getMessage().contains("public.a -> public.c -> public.b -> public.a"), e.getMessage());
        SQLException self = assertThrows(SQLException.class, () -> Tx.run(url, p -> {
            p.alterStreamTable("b", "SELECT id, v FROM b", null, null, null, null);
            return null;
        }));
        assertEquals("42P17", self.getSQLState());
        assertTrue(self.getMessage().contains("public.b -> public.b"), self.getMessage());
        assertEquals("SELECT id, v FROM t", text(url, "SELECT defining_query FROM pgtrickle.pgt_stream_tables"
                + " WHERE pgt_name = 'a'"));
    }

    @Test
    void enabledOffPausesTheWorkerAndHistoryIsPruned() throws Exception {
        String url = TestDatabase.freshDatabase();
        String db = text(url, "SELECT current_database()");
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t VALUES (1, 1)");
        Tx.run(url, p -> { p.createStreamTable("p", "SELECT id, v FROM t", "100ms", "FULL", true, null); return null; });
        try (Worker w = worker(url)) {
            Tx.sql(url, "ALTER DATABASE " + db + " SET pg_trickle.enabled = off");
            Tx.sql(url, "INSERT INTO t VALUES (2, 2)");
            await(LIMIT, "p to be due", () -> count(url, "SELECT count(*) FROM pgtrickle.pgt_stream_tables"
                    + " WHERE clock_timestamp() - last_refresh_at > interval '150 milliseconds'") == 1);
            assertEquals(0, w.runOneTick().due());
            assertEquals(1, count(url, "SELECT count(*) FROM p"));
            Tx.sql(url, "ALTER DATABASE " + db + " RESET pg_trickle.enabled");
            assertEquals(1, w.runOneTick().refreshed());
            assertEquals(2, count(url, "SELECT count(*) FROM p"));

            Tx.sql(url, "INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, start_time, end_time, action, status,"
                    + " initiated_by) SELECT pgt_id, now() - interval '30 days', now() - interval '30 days', 'FULL',"
                    + " 'COMPLETED', 'SCHEDULER' FROM pgtrickle.pgt_stream_tables");
            Tx.sql(url, "ALTER DATABASE " + db + " SET pg_trickle.history_retention_days = 10");
            assertEquals(1, w.pruneHistory());
            assertEquals(0, count(url, "SELECT count(*) FROM pgtrickle.pgt_refresh_history"
                    + " WHERE start_time < now() - interval '10 days'"));
            assertTrue(count(url, "SELECT count(*) FROM pgtrickle.pgt_refresh_history") >= 2);
        }
    }

    @Test
    void calculatedScheduleRefreshesOnlyWhenSourcesChanged() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t VALUES (1, 1)");
        String q = "SELECT id, v FROM t";
        Tx.run(url, p -> { p.createStreamTable("calc", q, "calculated", "DIFFERENTIAL", true, null); return null; });
        try (Worker w = worker(url, Map.of("pg_trickle.scheduler_interval_ms", "60000"))) {
            assertEquals(0, w.runOneTick().due());
            w.start(); // the long interval means only NOTIFY pgtrickle_changes can wake it in time
            Tx.sql(url, "INSERT INTO t VALUES (2, 2)");
            await(LIMIT, "calc to follow the insert", () -> diff(url, "calc", q).isEmpty());
        }
    }
}

package io.pgtrickle.scheduler;

import static io.pgtrickle.scheduler.WorkerTestSupport.await;
import static io.pgtrickle.scheduler.WorkerTestSupport.count;
import static io.pgtrickle.scheduler.WorkerTestSupport.diff;
import static io.pgtrickle.scheduler.WorkerTestSupport.history;
import static io.pgtrickle.scheduler.WorkerTestSupport.text;
import static io.pgtrickle.scheduler.WorkerTestSupport.tickUntil;
import static io.pgtrickle.scheduler.WorkerTestSupport.worker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerErrorsTest {

    private static final Duration LIMIT = Duration.ofSeconds(30);

    private static String status(String url, String table) throws Exception {
        return text(url, "SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_name = '" + table + "'");
    }

    @Test
    void suspendedAfterMaxConsecutiveErrorsAndResumed() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, d int)", "INSERT INTO t VALUES (1, 1), (2, 2)");
        String q = "SELECT id, 10 / d AS q FROM t";
        Tx.run(url, p -> { p.createStreamTable("frail", q, "100ms", "FULL", true, null); return null; });
        Tx.sql(url, "UPDATE t SET d = 0 WHERE id = 2");
        try (Worker w = worker(url)) {
            tickUntil(w, LIMIT, "suspension", () -> "SUSPENDED".equals(status(url, "frail")));
            assertEquals(3, count(url, "SELECT consecutive_errors FROM pgtrickle.pgt_stream_tables"));
            assertEquals(3, count(url, "SELECT count(*) FROM " + history("frail") + " AND h.status = 'FAILED'"));
            assertEquals(Worker.REASON_SUSPENDED, text(url, "SELECT h.reason_code FROM " + history("frail")
                    + " ORDER BY refresh_id DESC LIMIT 1"));
            assertTrue(text(url, "SELECT last_error FROM pgtrickle.pgt_stream_tables").contains("22012"));
            // Suspended tables are skipped.
            Thread.sleep(150);
            assertEquals(0, w.runOneTick().due());

            Tx.sql(url, "UPDATE t SET d = 5 WHERE id = 2");
            Tx.run(url, p -> { p.resumeStreamTable("frail"); return null; });
            tickUntil(w, LIMIT, "refresh after resume", () -> diff(url, "frail", q).isEmpty());
            assertEquals("ACTIVE", status(url, "frail"));
            assertEquals(0, count(url, "SELECT consecutive_errors FROM pgtrickle.pgt_stream_tables"));
        }
    }

    @Test
    void queryThatCanNoLongerRunSetsErrorWithMessage() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE u (id int PRIMARY KEY, x int)", "INSERT INTO u VALUES (1, 1)");
        Tx.run(url, p -> { p.createStreamTable("broken", "SELECT id, x FROM u", "100ms", "FULL", true, null); return null; });
        Tx.sql(url, "ALTER TABLE u RENAME COLUMN x TO y");
        try (Worker w = worker(url)) {
            tickUntil(w, LIMIT, "ERROR status", () -> "ERROR".equals(status(url, "broken")));
            assertTrue(text(url, "SELECT last_error FROM pgtrickle.pgt_stream_tables").contains("42703"));
            assertEquals(Worker.REASON_PERMANENT, text(url, "SELECT h.reason_code FROM " + history("broken")
                    + " AND h.status = 'FAILED'"));
            Thread.sleep(150);
            assertEquals(0, w.runOneTick().due());
        }
    }

    @Test
    void outOfMemoryLowersMergeWorkMemAndRetries() throws Exception {
        String url = TestDatabase.freshDatabase();
        // A genuine SQLSTATE 53200 raised inside the refresh whenever work_mem is above 48MB.
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t VALUES (1, 1), (2, 2)",
                "CREATE FUNCTION oom_guard(x int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN"
                        + " IF pg_size_bytes(current_setting('work_mem')) > 48 * 1024 * 1024 THEN"
                        + " RAISE EXCEPTION 'out of memory (work_mem %)', current_setting('work_mem')"
                        + " USING ERRCODE = '53200'; END IF; RETURN x; END $$");
        String q = "SELECT id, oom_guard(v) AS v FROM t";
        Tx.run(url, p -> { p.createStreamTable("hungry", q, "1m", "FULL", false, "batch"); return null; });
        assertEquals(64, count(url, "SELECT merge_work_mem_mb FROM pgtrickle.pgt_stream_tables"));
        try (Worker w = worker(url)) {
            Worker.TickReport r = w.runOneTick();
            assertEquals(1, r.refreshed(), r.toString());
        }
        assertEquals(48, count(url, "SELECT merge_work_mem_mb FROM pgtrickle.pgt_stream_tables"));
        assertEquals(List.of("FAILED:53200:" + Worker.REASON_OOM, "COMPLETED::"),
                WorkerTestSupport.column(url, "SELECT h.status || ':' || coalesce(substr(h.error_message, 2, 5), '')"
                        + " || ':' || coalesce(h.reason_code, '') FROM " + history("hungry") + " ORDER BY refresh_id"));
        assertEquals(List.of(), diff(url, "hungry", "SELECT id, v FROM t"));
        assertEquals("ACTIVE", status(url, "hungry"));
    }

    @Test
    void lockTimeoutBacksOffAndThreeSuccessesRestore() throws Exception {
        String url = TestDatabase.freshDatabase();
        String db = text(url, "SELECT current_database()");
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t VALUES (1, 1)",
                "ALTER DATABASE " + db + " SET lock_timeout = '150ms'");
        Tx.run(url, p -> { p.createStreamTable("contended", "SELECT id, v FROM t", "200ms", "FULL", true, null); return null; });
        try (Worker w = worker(url); Connection holder = TestDatabase.connect(url)) {
            holder.setAutoCommit(false);
            try (Statement st = holder.createStatement()) {
                st.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE");
            }
            tickUntil(w, LIMIT, "two lock timeouts", () -> count(url, "SELECT count(*) FROM " + history("contended")
                    + " AND h.reason_code = '" + Worker.REASON_LOCK_TIMEOUT + "'") >= 2);
            assertEquals(4, count(url, "SELECT backoff_factor FROM pgtrickle.pgt_stream_tables"));
            assertTrue(text(url, "SELECT error_message FROM " + history("contended") + " AND h.status = 'FAILED'"
                    + " LIMIT 1").startsWith("[55P03]"));
            // The second attempt waited for the doubled interval (2 x 200ms) after the first.
            assertTrue(count(url, "SELECT extract(epoch FROM max(h.start_time) - min(h.end_time)) * 1000 FROM "
                    + history("contended") + " AND h.status = 'FAILED'") >= 350);
            assertEquals("ACTIVE", status(url, "contended"));
            holder.commit();

            tickUntil(w, LIMIT, "back-off lifted", () -> count(url, "SELECT count(*) FROM " + history("contended")
                    + " AND h.reason_code = '" + Worker.REASON_LOCK_RESTORED + "'") == 1);
            assertEquals(1, count(url, "SELECT backoff_factor FROM pgtrickle.pgt_stream_tables"));
            assertEquals(List.of("COMPLETED", "COMPLETED", "COMPLETED"), WorkerTestSupport.column(url,
                    "SELECT h.status FROM " + history("contended") + " AND h.initiated_by = 'SCHEDULER'"
                            + " ORDER BY refresh_id DESC LIMIT 3"));
        } finally {
            Tx.sql(url, "ALTER DATABASE " + db + " RESET lock_timeout");
        }
    }

    @Test
    void sustainedLagAddsARefreshWorker() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t VALUES (1, 1)",
                "CREATE FUNCTION sleepy(x int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(1.5);"
                        + " RETURN x; END $$");
        // Refreshing takes 1.5 s against a 200 ms schedule: lag passes 5 x 200 ms.
        Tx.run(url, p -> {
            p.createStreamTable("slow", "SELECT id, sleepy(v) AS v FROM t", "200ms", "FULL", false, null);
            return null;
        });
        try (Worker w = worker(url, Map.of("pg_trickle.scheduler_interval_ms", "50",
                "pg_trickle.refresh_workers", "1", "pg_trickle.max_refresh_workers", "3"))) {
            w.runOneTick();
            assertEquals(1, w.refreshWorkers());
            w.start();
            await(LIMIT, "lag remediation in history", () -> count(url, "SELECT count(*) FROM " + history("slow")
                    + " AND h.reason_code = '" + Worker.REASON_LAG + "'") >= 1);
            assertTrue(w.refreshWorkers() >= 2, "refresh workers: " + w.refreshWorkers());
            assertTrue(w.refreshWorkers() <= 3, "refresh workers: " + w.refreshWorkers());
        }
    }
}

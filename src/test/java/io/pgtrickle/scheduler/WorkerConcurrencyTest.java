package io.pgtrickle.scheduler;

import static io.pgtrickle.scheduler.WorkerTestSupport.await;
import static io.pgtrickle.scheduler.WorkerTestSupport.count;
import static io.pgtrickle.scheduler.WorkerTestSupport.diff;
import static io.pgtrickle.scheduler.WorkerTestSupport.history;
import static io.pgtrickle.scheduler.WorkerTestSupport.text;
import static io.pgtrickle.scheduler.WorkerTestSupport.worker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WorkerConcurrencyTest {

    private static final Duration LIMIT = Duration.ofSeconds(60);

    @Test
    void twoWorkersNeverRefreshTheSameTableAtOnce() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t SELECT g, g FROM generate_series(1, 50) g",
                "CREATE FUNCTION nap(x int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.02);"
                        + " RETURN x; END $$");
        for (String name : List.of("r1", "r2", "r3")) {
            Tx.run(url, p -> {
                p.createStreamTable(name, "SELECT id, v FROM t CROSS JOIN (SELECT nap(1) AS z) n", "100ms", "FULL",
                        true, null);
                return null;
            });
        }
        Map<String, String> s = Map.of("pg_trickle.scheduler_interval_ms", "20", "pg_trickle.refresh_workers", "3");
        try (Worker w1 = worker(url, s); Worker w2 = worker(url, s)) {
            w1.start();
            w2.start();
            for (int i = 0; i < 5; i++) {
                Tx.sql(url, "UPDATE t SET v = v + 1 WHERE id = " + (i + 1));
                Thread.sleep(150);
            }
            await(LIMIT, "30 scheduler refreshes", () -> count(url, "SELECT count(*) FROM pgtrickle.pgt_refresh_history"
                    + " WHERE initiated_by = 'SCHEDULER' AND status = 'COMPLETED'") >= 30);
        }
        assertEquals(0, count(url, "SELECT count(*) FROM pgtrickle.pgt_refresh_history a"
                + " JOIN pgtrickle.pgt_refresh_history b ON a.pgt_id = b.pgt_id AND a.refresh_id < b.refresh_id"
                + " WHERE tstzrange(a.start_time, a.end_time) && tstzrange(b.start_time, b.end_time)"));
        for (String name : List.of("r1", "r2", "r3")) {
            assertEquals(List.of(), diff(url, name, "SELECT id, v FROM t"));
        }
    }

    @Test
    void sigtermFinishesTheRefreshInFlightThenExits() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t SELECT g, g FROM generate_series(1, 10) g",
                "CREATE TABLE pause (secs float8)", "INSERT INTO pause VALUES (0)",
                "CREATE FUNCTION pause_once() RETURNS int LANGUAGE plpgsql AS $$ BEGIN"
                        + " PERFORM pg_sleep((SELECT secs FROM pause)); RETURN 1; END $$");
        Tx.run(url, p -> {
            p.createStreamTable("held", "SELECT id, v FROM t CROSS JOIN (SELECT pause_once() AS z) n", "100ms", "FULL",
                    true, null);
            return null;
        });
        Tx.sql(url, "UPDATE pause SET secs = 3", "INSERT INTO t SELECT g, g FROM generate_series(11, 20) g");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path log = Files.createTempFile("pgt-worker", ".log");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", cp, WorkerProcessMain.class.getName(), "--url=" + url, "--scheduler-interval-ms=50", "--metrics-port=0",
                "--shutdown-timeout-s", "60")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            String inFlight = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND state = 'active' AND wait_event = 'PgSleep'";
            await(LIMIT, "a refresh in flight", () -> count(url, inFlight) == 1);
            String signalled = text(url, "SELECT clock_timestamp()");
            child.destroy(); // SIGTERM
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "worker did not exit: " + Files.readString(log));
            assertEquals(1, count(url, "SELECT count(*) FROM " + history("held") + " AND h.initiated_by = 'SCHEDULER'"
                    + " AND h.status = 'COMPLETED' AND h.end_time > '" + signalled + "'"), Files.readString(log));
            assertEquals(0, count(url, inFlight));
            assertEquals(List.of(), diff(url, "held", "SELECT id, v FROM t"));
            assertEquals(0, count(url, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND application_name = 'pg_trickle worker'"));
        } finally {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
            Files.deleteIfExists(log);
        }
        assertFalse(child.isAlive());
    }
}

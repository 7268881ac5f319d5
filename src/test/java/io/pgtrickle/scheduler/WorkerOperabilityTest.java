package io.pgtrickle.scheduler;

import static io.pgtrickle.scheduler.WorkerTestSupport.await;
import static io.pgtrickle.scheduler.WorkerTestSupport.count;
import static io.pgtrickle.scheduler.WorkerTestSupport.diff;
import static io.pgtrickle.scheduler.WorkerTestSupport.worker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.support.Roles;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The worker and the catalog stay bounded and quiet when stream tables or their database stall or go. */
class WorkerOperabilityTest {

    private static final Duration LIMIT = Duration.ofSeconds(30);

    @Test
    void suspendedStreamTableDoesNotPinTheChangeBufferForever() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t VALUES (1, 1)");
        String q = "SELECT id, v FROM t";
        Tx.run(url, p -> {
            p.createStreamTable("stalled", q, "1h", "DIFFERENTIAL", true, null);
            p.alterStreamTable("stalled", null, null, null, "SUSPENDED", null);
            return null;
        });
        Tx.sql(url, "INSERT INTO t SELECT g, g FROM generate_series(2, 50) g");
        String buffer = "pgtrickle_changes.changes_" + count(url, "SELECT 't'::regclass::oid::bigint");
        assertEquals(49, count(url, "SELECT count(*) FROM " + buffer));
        try (Worker w = worker(url, Map.of("pg_trickle.max_inactive_buffer_rows", "20"))) {
            w.runOneTick();
            assertEquals(0, count(url, "SELECT count(*) FROM " + buffer));
            assertEquals(1, count(url, "SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE needs_full_refresh"));
        }
        // A plain role can still ask the advisor about it (buffers are not readable by it).
        String plain = Roles.login(url, "op_plain", false);
        Tx.sql(plain, "SELECT * FROM pgtrickle.tune_recommendations()", "SELECT * FROM pgtrickle.pgt_status()");
        Tx.run(url, p -> { p.resumeStreamTable("stalled"); return null; });
        Tx.run(url, p -> p.refreshStreamTable("stalled"));
        assertEquals(List.of(), diff(url, "stalled", q));
    }

    @Test
    void workerStopsWhenTheCatalogIsGone() throws Exception {
        String url = TestDatabase.freshDatabase();
        try (Worker w = worker(url)) {
            w.start();
            Thread.sleep(200);
            assertNull(w.stoppedBecause());
            Tx.sql(url, "DROP EVENT TRIGGER pgtrickle_guard_drop", "DROP EVENT TRIGGER pgtrickle_after_ddl",
                    "DROP SCHEMA pgtrickle CASCADE", "DROP SCHEMA pgtrickle_changes CASCADE");
            await(LIMIT, "the worker to stop by itself", () -> w.stoppedBecause() != null);
            assertNotNull(w.stoppedBecause());
            assertTrue(w.stoppedBecause().contains("not installed"), w.stoppedBecause());
        }
    }

    @Test
    void settingsOneOwnersCodeChangesDoNotReachTheNextRefresh() throws Exception {
        String url = TestDatabase.freshDatabase();
        String mallory = Roles.login(url, "op_mallory", true);
        String alice = Roles.login(url, "op_alice", true);
        Tx.sql(mallory, "CREATE TABLE m (id int PRIMARY KEY)", "INSERT INTO m VALUES (1)",
                "CREATE FUNCTION poison(int) RETURNS int LANGUAGE plpgsql STABLE AS $f$ BEGIN"
                        + " PERFORM set_config('statement_timeout', '1', false);"
                        + " PERFORM set_config('search_path', 'op_mallory, pg_catalog', false); RETURN $1; END $f$");
        Tx.sql(alice, "CREATE TABLE a (id int PRIMARY KEY)", "INSERT INTO a SELECT g FROM generate_series(1, 5000) g");
        // not initialized: the poison would otherwise first run in mallory's own session, where it is her business
        Tx.run(mallory, p -> { p.createStreamTable("pm", "SELECT poison(id) AS id FROM m", "1h", "FULL", false, null); return null; });
        Tx.run(alice, p -> { p.createStreamTable("pa", "SELECT a1.id FROM a a1 JOIN a a2 ON a2.id = a1.id", "1h", "FULL", true, null); return null; });
        Tx.sql(url, "UPDATE pgtrickle.pgt_stream_tables SET needs_full_refresh = true");
        try (Worker w = worker(url, Map.of("pg_trickle.refresh_workers", "1", "pg_trickle.max_refresh_workers", "1"))) {
            w.runOneTick();
            w.runOneTick();
        }
        assertEquals(0, count(url, "SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE status = 'FAILED'"));
        assertEquals(List.of(), diff(url, "op_alice.pa", "SELECT a1.id FROM op_alice.a a1 JOIN op_alice.a a2 ON a2.id = a1.id"));
    }
}

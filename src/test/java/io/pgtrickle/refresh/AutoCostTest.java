package io.pgtrickle.refresh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;

/** AUTO picks the cheaper refresh by the costs its own history shows, and records what it compared. */
class AutoCostTest {

    @Test
    void autoComparesTheLearntCostsOfBothRefreshes() throws Exception {
        String url = TestDatabase.freshDatabase();
        String q = "SELECT id, v FROM t WHERE v % 2 = 0";
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t SELECT g, g FROM generate_series(1, 1000) g");
        Tx.run(url, p -> { p.createStreamTable("st", q, "1h", "AUTO", true, null); return null; });
        // A history in which FULL takes 10 ms and a differential refresh 2 ms + 0.5 ms per change.
        Tx.sql(url, "INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, start_time, end_time, action, status, initiated_by,"
                + " pending_changes) SELECT 1, now() - interval '1 hour', now() - interval '1 hour' + (ms || ' ms')::interval,"
                + " action, 'COMPLETED', 'SCHEDULER', pending FROM (VALUES ('FULL', 10, NULL), ('FULL', 10, NULL),"
                + " ('DIFFERENTIAL', 2.5, 1), ('DIFFERENTIAL', 7, 10), ('DIFFERENTIAL', 52, 100)) h(action, ms, pending)");
        Tx.sql(url, "UPDATE t SET v = v + 2 WHERE id <= 20"); // 40 pending changes: about 22 ms against 10 ms
        assertEquals("FULL", Tx.run(url, p -> p.refreshStreamTable("st")).action().name());
        Tx.sql(url, "UPDATE t SET v = v + 2 WHERE id <= 2"); // 4 changes: about 4 ms
        assertEquals("DIFFERENTIAL", Tx.run(url, p -> p.refreshStreamTable("st")).action().name());
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of(), Oracle.differences(c, "st", q));
            String recorded = Oracle.single(c, "SELECT string_agg(action || ' ' || pending_changes || ' '"
                    + " || round(estimated_differential_ms::numeric) || ' ' || (estimated_full_ms > 0), '; '"
                    + " ORDER BY refresh_id) FROM pgtrickle.pgt_refresh_history WHERE start_time > now() - interval '1 minute'"
                    + " AND pending_changes > 0");
            // (the FULL estimate is the median of the last FULL refreshes: the real ones count too)
            assertEquals("FULL 40 22 true; DIFFERENTIAL 4 4 true", recorded);
        }
    }

    @Test
    void withoutHistoryTheModelIsUnknown() {
        assertEquals(null, CostModel.of(null, 1.0, 0.5).estimate(10));
        assertEquals(null, CostModel.of(10.0, 5.0, -0.1).estimate(10), "a falling line says nothing");
        assertTrue(CostModel.of(10.0, 2.0, 0.5).estimate(40).fullIsCheaper());
    }
}

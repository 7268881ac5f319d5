package io.pgtrickle.observability;

import static io.pgtrickle.observability.ObsTestSupport.count;
import static io.pgtrickle.observability.ObsTestSupport.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.api.PgTrickle;
import io.pgtrickle.catalog.CatalogInstaller;
import io.pgtrickle.config.SettingsSource;
import io.pgtrickle.embedded.EmbeddedPostgres;
import io.pgtrickle.scheduler.Worker;
import io.pgtrickle.sql.Db;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** QW-1 on a real server started with track_commit_timestamp = on (and one with it off). */
class CommitLatencyTest {

    private static final String LATENCY = "pgtrickle.pgt_commit_latency l JOIN pgtrickle.pgt_stream_tables st"
            + " USING (pgt_id) WHERE st.pgt_name = ";

    @Test
    void eachConsumedWriterTransactionIsMeasuredOnceAndStatsReturnRows() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t VALUES (1, 1)");
        Tx.run(url, p -> {
            p.createStreamTable("diff_st", "SELECT id, v FROM t WHERE v > 0", "1m", "DIFFERENTIAL", true, null);
            p.createStreamTable("full_st", "SELECT count(*) AS n FROM t", "1m", "FULL", true, null);
            return null;
        });
        // Three writer transactions (autocommit statements), one of them touching two rows.
        Tx.sql(url, "INSERT INTO t VALUES (2, 2)", "INSERT INTO t VALUES (3, 3), (4, 4)", "UPDATE t SET v = 10 WHERE id = 1");
        refresh(url, "diff_st");
        refresh(url, "full_st");
        assertEquals(1, count(url, "SELECT count(*) FROM " + LATENCY + "'diff_st'"));
        assertEquals(3, count(url, "SELECT samples FROM " + LATENCY + "'diff_st'"));
        // A FULL-mode stream table captures no changes, so there is nothing to measure for it.
        assertEquals(0, count(url, "SELECT count(*) FROM " + LATENCY + "'full_st'"));
        assertEquals(0, count(url, "SELECT sum(unknown) FROM pgtrickle.pgt_commit_latency"));
        assertEquals(3, count(url, "SELECT sum(c) FROM " + LATENCY.replace("pgtrickle.pgt_commit_latency l",
                "pgtrickle.pgt_commit_latency l CROSS JOIN LATERAL unnest(l.bucket_counts) c") + "'diff_st'"));

        // Nothing new to consume: no sample; one more writer: exactly one more sample.
        refresh(url, "diff_st");
        assertEquals(1, count(url, "SELECT count(*) FROM " + LATENCY + "'diff_st'"));
        Tx.sql(url, "DELETE FROM t WHERE id = 4");
        refresh(url, "diff_st");
        assertEquals(4, count(url, "SELECT sum(samples) FROM " + LATENCY + "'diff_st'"));
        // A differential table refreshed FULL (its source was truncated) measures its writers too.
        Tx.sql(url, "TRUNCATE t", "INSERT INTO t VALUES (5, 5)");
        refresh(url, "diff_st");
        assertEquals("FULL", rows(url, "SELECT action FROM pgtrickle.get_refresh_history('diff_st', 1)").get(0).get("action"));
        assertEquals(6, count(url, "SELECT sum(samples) FROM " + LATENCY + "'diff_st'"));

        List<Map<String, Object>> stats = rows(url, "SELECT * FROM pgtrickle.commit_latency_stats()");
        assertEquals(List.of("public.diff_st", "public.full_st"), stats.stream().map(r -> r.get("name")).toList());
        Map<String, Object> d = stats.get(0);
        assertEquals(6L, d.get("samples"));
        double p50 = (Double) d.get("p50_ms");
        double p90 = (Double) d.get("p90_ms");
        double p99 = (Double) d.get("p99_ms");
        double max = (Double) d.get("max_ms");
        assertTrue(0 <= p50 && p50 <= p90 && p90 <= p99 && p99 <= max, d.toString());
        assertEquals(max, count(url, "SELECT max(max_ms) FROM " + LATENCY + "'diff_st'"), 1.0);
        assertEquals(0L, d.get("unknown"));
        assertEquals(0L, stats.get(1).get("samples"));
        // An empty window still lists every stream table, without latencies.
        Map<String, Object> none = rows(url, "SELECT * FROM pgtrickle.commit_latency_stats(interval '0 seconds')"
                + " WHERE name = 'public.diff_st'").get(0);
        assertEquals(0L, none.get("samples"));
        assertNull(none.get("p50_ms"));
    }

    @Test
    void latencyCoversTheTimeUntilTheRefreshAndSkipsTheRefreshOwnTransaction() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)");
        Tx.run(url, p -> {
            p.createStreamTable("st", "SELECT id, v FROM t", "1m", "DIFFERENTIAL", true, null);
            return null;
        });
        Tx.sql(url, "INSERT INTO t VALUES (1, 1)");
        Thread.sleep(300); // the writer committed at least this long before the refresh
        refresh(url, "st");
        double ms = ((Number) rows(url, "SELECT max_ms FROM " + LATENCY + "'st'").get(0).get("max_ms")).doubleValue();
        assertTrue(ms >= 300, "latency " + ms + " ms should include the 300 ms the change waited");

        // A refresh inside the writer's own transaction makes that write visible with its own commit.
        Tx.run(url, p -> {
            p.db().exec("INSERT INTO t VALUES (2, 2)");
            p.refreshStreamTable("st");
            return null;
        });
        assertEquals(1, count(url, "SELECT sum(samples) FROM " + LATENCY + "'st'"));
        assertEquals(2, count(url, "SELECT count(*) FROM st"));
    }

    @Test
    void withoutCommitTimestampsNothingIsRecordedAndTheFunctionsSaySo() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.start("track_commit_timestamp=off");
             Connection c = pg.connect("postgres")) {
            c.setAutoCommit(false);
            CatalogInstaller.install(new Db(c));
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE t (id int PRIMARY KEY, v int)");
            }
            PgTrickle pgt = new PgTrickle(c);
            pgt.createStreamTable("st", "SELECT id, v FROM t", "1m", "DIFFERENTIAL", true, null);
            c.commit();
            try (Statement st = c.createStatement()) {
                st.execute("INSERT INTO t VALUES (1, 1)");
            }
            c.commit();
            pgt.refreshStreamTable("st"); // must not fail
            c.commit();
            try (Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pgtrickle.pgt_commit_latency")) {
                    rs.next();
                    assertEquals(0, rs.getLong(1));
                }
                try (ResultSet rs = st.executeQuery("SELECT name, samples, p50_ms FROM pgtrickle.commit_latency_stats()")) {
                    assertTrue(rs.next());
                    assertEquals("public.st", rs.getString(1));
                    assertEquals(0, rs.getLong(2));
                    assertNull(rs.getObject(3));
                    SQLWarning w = st.getWarnings() != null ? st.getWarnings() : rs.getWarnings();
                    assertNotNull(w, "a WARNING says track_commit_timestamp is off");
                    assertTrue(w.getMessage().contains("track_commit_timestamp is off"), w.getMessage());
                }
                List<Map<String, Object>> tune = rows(c, "SELECT * FROM pgtrickle.tune_recommendations()"
                        + " WHERE guc_name = 'track_commit_timestamp'");
                assertEquals(1, tune.size());
                assertEquals("on", tune.get(0).get("recommended_value"));
            }
            c.commit();
        }
    }

    @Test
    void aCatalogWithoutTheLatencyObjectsStillRefreshesAndPrunes() throws Exception {
        String url = TestDatabase.freshDatabase();
        // The latency objects dropped (as a build that predated commit latency lacked them).
        Tx.sql(url, "DROP FUNCTION pgtrickle._record_commit_latency", "DROP TABLE pgtrickle.pgt_commit_latency",
                "CREATE TABLE t (id int PRIMARY KEY)");
        Tx.run(url, p -> {
            p.createStreamTable("st", "SELECT id FROM t", "1m", "DIFFERENTIAL", true, null);
            return null;
        });
        Tx.sql(url, "INSERT INTO t VALUES (1)");
        refresh(url, "st");
        assertEquals(1, count(url, "SELECT count(*) FROM st"));
        try (Worker w = new Worker(Worker.ConnectionFactory.of(url), SettingsSource.of(Map.of("pg_trickle.metrics_port", "0")))) {
            assertEquals(0, w.pruneHistory());
        }
    }

    private static void refresh(String url, String name) throws Exception {
        Tx.run(url, p -> {
            p.refreshStreamTable(name);
            return null;
        });
    }
}

package io.pgtrickle.observability;

import static io.pgtrickle.observability.ObsTestSupport.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.config.Setting;
import io.pgtrickle.config.SettingsSource;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** QW-2: pgtrickle.tune_recommendations() on provoked workloads and on a quiet database. */
class TuneRecommendationsTest {

    private static final String TUNE = "SELECT * FROM pgtrickle.tune_recommendations()";

    @Test
    void aQuietDatabaseGetsNoRecommendations() throws Exception {
        String url = TestDatabase.freshDatabase();
        assertEquals(List.of(), rows(url, TUNE), "no stream tables");
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t SELECT g, g FROM generate_series(1, 100) g");
        Tx.run(url, p -> {
            p.createStreamTable("quiet", "SELECT id, v FROM t WHERE v % 2 = 0", null, "DIFFERENTIAL", true, null);
            p.createStreamTable("quiet_full", "SELECT count(*) AS n FROM t", "5m", "FULL", true, null);
            return null;
        });
        for (int i = 0; i < 5; i++) {
            Tx.sql(url, "UPDATE t SET v = v + 1 WHERE id = " + (i + 1));
            refresh(url, "quiet");
            refresh(url, "quiet_full");
        }
        assertEquals(List.of(), rows(url, TUNE));
    }

    @Test
    void aDeltaLargerThanMergeBatchSizeRecommendsALargerBatch() throws Exception {
        String url = TestDatabase.freshDatabase();
        String db = url.replaceAll("^.*/([^/?]+)(\\?.*)?$", "$1");
        Tx.sql(url, "ALTER DATABASE " + db + " SET pg_trickle.merge_batch_size = 10",
                "CREATE TABLE t (id int PRIMARY KEY, v int)");
        Tx.run(url, p -> {
            p.createStreamTable("wide", "SELECT id, v FROM t", "1m", "DIFFERENTIAL", true, null);
            return null;
        });
        Tx.sql(url, "INSERT INTO t SELECT g, g FROM generate_series(1, 100) g");
        refresh(url, "wide"); // stages 100 rows, merged in 10 windows of 10
        assertEquals(100, ObsTestSupport.count(url, "SELECT count(*) FROM wide"));
        List<Map<String, Object>> recs = rows(url, TUNE + " WHERE guc_name = 'pg_trickle.merge_batch_size'");
        assertEquals(1, recs.size(), recs.toString());
        assertEquals("10", recs.get(0).get("current_value"));
        assertEquals("100", recs.get(0).get("recommended_value"));
        assertTrue(((String) recs.get(0).get("reason")).contains("10 MERGE windows"), recs.toString());
    }

    @Test
    void refreshesSlowerThanTheScheduleAndSuspendedTablesAreReported() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t VALUES (1, 1)");
        Tx.run(url, p -> {
            // pg_sleep makes every refresh take at least 150 ms against a 100 ms schedule.
            p.createStreamTable("slow", "SELECT t.id FROM t, (SELECT pg_sleep(0.15)) s", "100ms", "FULL", true, null);
            p.createStreamTable("broken", "SELECT id, v FROM t", "1m", "DIFFERENTIAL", true, null);
            return null;
        });
        for (int i = 0; i < 3; i++) {
            refresh(url, "slow");
        }
        Tx.run(url, p -> {
            p.alterStreamTable("broken", null, null, null, "SUSPENDED", null);
            return null;
        });
        // l1_cache_max_entries below the number of stream tables is reported as well.
        List<Map<String, Object>> recs;
        try (Connection c = TestDatabase.connect(url); Statement st = c.createStatement()) {
            st.execute("SET pg_trickle.l1_cache_max_entries = 1");
            recs = rows(c, TUNE);
        }
        Map<String, Map<String, Object>> byName = new java.util.HashMap<>();
        recs.forEach(r -> byName.put((String) r.get("guc_name"), r));

        Map<String, Object> schedule = byName.get("public.slow.schedule");
        assertTrue(schedule != null, recs.toString());
        assertEquals("100ms", schedule.get("current_value"));
        assertTrue(((String) schedule.get("reason")).contains("90% of its last 3 refreshes"), schedule.toString());
        // The recommendation is at least twice the slowest refresh seen, so at least 300 ms.
        String recommended = (String) schedule.get("recommended_value");
        assertTrue(recommended.matches("[0-9]+(ms|s)"), recommended);

        Map<String, Object> status = byName.get("public.broken.status");
        assertEquals("SUSPENDED", status.get("current_value"), recs.toString());
        assertEquals("ACTIVE", status.get("recommended_value"));
        assertTrue(((String) status.get("reason")).contains("pgtrickle.resume_stream_table('public.broken')"));

        assertEquals("1", byName.get("pg_trickle.l1_cache_max_entries").get("current_value"));
        assertEquals("5", byName.get("pg_trickle.l1_cache_max_entries").get("recommended_value"));
        assertEquals("1000", byName.get("pg_trickle.scheduler_interval_ms").get("current_value"));
        assertEquals("50", byName.get("pg_trickle.scheduler_interval_ms").get("recommended_value"));
    }

    /**
     * History, latency and buffer contents written directly, so every rule runs (none may fail at
     * run time) and the ones this workload warrants answer, at most once per name.
     */
    @Test
    void everyRuleRunsOnARecordedWorkload() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t VALUES (1, 1)");
        Tx.run(url, p -> {
            p.createStreamTable("busy", "SELECT id, v FROM t", "1m", "DIFFERENTIAL", true, null);
            p.createStreamTable("flaky", "SELECT id FROM t", "1m", "DIFFERENTIAL", true, null);
            return null;
        });
        String busy = "(SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'busy')";
        String flaky = "(SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'flaky')";
        String h = "INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, start_time, end_time, action, status,"
                + " delta_rows, initiated_by, error_message, reason_code) ";
        Tx.sql(url,
                // 20 minutes of scheduled refreshes of a 1m table, each 90-110 s: two connections 83% busy,
                // and half of them FULL fallbacks slower than the differential ones.
                h + "SELECT " + busy + ", now() - interval '20 minutes' + g * interval '1 minute',"
                        + " now() - interval '20 minutes' + g * interval '1 minute'"
                        + " + CASE WHEN g % 2 = 0 THEN interval '110 seconds' ELSE interval '90 seconds' END,"
                        + " CASE WHEN g % 2 = 0 THEN 'FULL' ELSE 'DIFFERENTIAL' END, 'COMPLETED', 10, 'SCHEDULER', NULL, NULL"
                        + " FROM generate_series(0, 19) g",
                h + "SELECT " + flaky + ", now() - interval '5 minutes', now() - interval '5 minutes', 'DIFFERENTIAL',"
                        + " 'FAILED', 0, 'SCHEDULER', '[40P01] ERROR: deadlock detected', 'MAX_ERRORS_SUSPENDED'",
                h + "SELECT " + flaky + ", now() - interval '4 minutes', now() - interval '4 minutes', 'DIFFERENTIAL',"
                        + " 'FAILED', 0, 'SCHEDULER', '[53200] ERROR: out of memory', 'OOM_REDUCE_WORK_MEM'",
                // Commit-to-visible far above a 1 minute schedule.
                "INSERT INTO pgtrickle.pgt_commit_latency (pgt_id, refreshed_at, samples, sum_ms, min_ms, max_ms,"
                        + " bucket_keys, bucket_counts) SELECT " + busy + ", now(), 20, 20 * 600000, 600000, 600000,"
                        + " ARRAY[pgtrickle._latency_bucket(600000)], ARRAY[20]",
                // Unconsumed changes piling up behind the stream tables.
                "INSERT INTO t SELECT g, g FROM generate_series(2, 40) g");
        Map<String, Map<String, Object>> small;
        Map<String, Map<String, Object>> wide;
        try (Connection c = TestDatabase.connect(url); Statement st = c.createStatement()) {
            st.execute("SET pg_trickle.merge_batch_size = 2");
            st.execute("SET pg_trickle.history_retention_days = 0");
            small = byName(rows(c, TUNE));
            st.execute("RESET pg_trickle.merge_batch_size");
            st.execute("SET pg_trickle.refresh_workers = 8");
            wide = byName(rows(c, TUNE));
        }
        for (Map<String, Map<String, Object>> recs : List.of(small, wide)) {
            assertEquals("6", recs.get("pg_trickle.max_consecutive_errors").get("recommended_value"), recs.toString());
            assertTrue(reason(recs, "pg_trickle.max_consecutive_errors").contains("40P01"));
            assertEquals("4m", recs.get("public.busy.schedule").get("recommended_value"), recs.toString());
            assertEquals("1", recs.get("pg_trickle.differential_max_change_ratio").get("recommended_value"));
            assertTrue(reason(recs, "pg_trickle.differential_max_change_ratio").contains("10 of 20"), recs.toString());
            assertTrue(!recs.containsKey("pg_trickle.history_retention_days"));
        }
        // merge_batch_size 2: the change buffer holds more than 10 x 2 rows; busy is already too slow, so the
        // next laggard is told to refresh more often. Two connections 83% busy ask for more.
        assertEquals("15s", small.get("public.flaky.schedule").get("recommended_value"), small.toString());
        assertTrue(reason(small, "public.flaky.schedule").contains("change buffer of t"));
        assertEquals("4", small.get("pg_trickle.refresh_workers").get("recommended_value"), small.toString());
        assertTrue(reason(small, "pg_trickle.refresh_workers").contains("83% busy"));
        assertTrue(!small.containsKey("pg_trickle.merge_batch_size"), "cannot go below 1000");
        // Default merge_batch_size: out of memory asks for smaller windows. Eight connections are not busy,
        // yet commit-to-visible latency is far above schedule + tick.
        assertEquals("12500", wide.get("pg_trickle.merge_batch_size").get("recommended_value"), wide.toString());
        assertTrue(reason(wide, "pg_trickle.merge_batch_size").contains("out of memory"));
        assertEquals("9", wide.get("pg_trickle.max_refresh_workers").get("recommended_value"), wide.toString());
        assertTrue(reason(wide, "pg_trickle.max_refresh_workers").contains("commit-to-visible"));
        assertTrue(!wide.containsKey("public.flaky.schedule"));
    }

    /** Rows by guc_name, failing when a name comes twice. */
    private static Map<String, Map<String, Object>> byName(List<Map<String, Object>> rows) {
        Map<String, Map<String, Object>> out = new java.util.LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            assertTrue(out.put((String) r.get("guc_name"), r) == null, "one row per name: " + rows);
        }
        return out;
    }

    private static String reason(Map<String, Map<String, Object>> recs, String name) {
        return (String) recs.get(name).get("reason");
    }

    @Test
    void sqlDefaultsMatchTheEngineDefaults() throws Exception {
        String url = TestDatabase.freshDatabase();
        for (Setting<?> s : SettingsSource.known()) {
            String name = s.name().substring("pg_trickle.".length());
            assertEquals(s.defaultText(), rows(url, "SELECT pgtrickle._setting_default('" + name + "') AS d").get(0).get("d"),
                    s.name());
        }
    }

    private static void refresh(String url, String name) throws Exception {
        Tx.run(url, p -> {
            p.refreshStreamTable(name);
            return null;
        });
    }
}

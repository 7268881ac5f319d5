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

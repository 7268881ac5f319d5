package io.pgtrickle.dvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Unsupported constructs fall back cleanly; AUTO switches to FULL when the change ratio is high. */
class RefreshModeTest {

    private static String url;

    /** Each construct that stays FULL-only, and the words the refusal (and AUTO's WARNING) names it with. */
    static final String[][] UNSUPPORTED = {
        {"WITH RECURSIVE r(n) AS (SELECT k FROM t1 UNION SELECT n + 1 FROM r WHERE n < 3) SELECT count(*) FROM r",
            "WITH RECURSIVE other than as the whole result"},
        {"SELECT a.id, x.v FROM t1 a, LATERAL (SELECT v FROM t2 b WHERE b.k = a.k ORDER BY v LIMIT 1) x",
            "a correlated subquery with LIMIT"},
        {"SELECT a.id, (SELECT b.v FROM t2 b WHERE b.id = a.id) AS m FROM t1 a",
            "a correlated scalar subquery that is not a single aggregate"},
        {"SELECT a.id, (SELECT count(*) FROM t2 b WHERE b.v > a.v) AS above FROM t1 a",
            "whose correlation is not an equality"},
        {"SELECT id, ARRAY(SELECT v FROM t2 WHERE t2.k = t1.k) AS vs FROM t1", "an ARRAY (subquery) inside an expression"},
        {"SELECT x FROM (VALUES (1), (2)) AS v(x)", "VALUES in FROM"},
        {"SELECT g FROM generate_series(1, 3) g", "a FROM clause that reads no table"},
        {"SELECT id, random() AS r FROM t1", "the volatile function random()"},
        {"SELECT id, generate_series(1, 2) AS g FROM t1", "a set-returning function in the SELECT list"},
        {"SELECT DISTINCT ON (k) k, count(*) AS n FROM t1 GROUP BY k ORDER BY k", "DISTINCT ON over GROUP BY"},
        {"SELECT id FROM t1 WHERE v > extract(day FROM now())", "the time-dependent function now()"},
        {"SELECT id, current_date - 1 AS yesterday FROM t1", "the time-dependent CURRENT_DATE"},
        {"SELECT id FROM t1 WHERE 'now'::timestamptz > timestamptz '2020-01-01'", "the time-dependent literal 'now'"},
    };

    @BeforeAll
    static void setUp() throws Exception {
        url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t1 (id int PRIMARY KEY, k int, v int, s text)",
                "CREATE TABLE t2 (id int, k int, v int, s text)",
                "INSERT INTO t1 SELECT g, g % 3, g, 'x' FROM generate_series(1, 10) g",
                "INSERT INTO t2 SELECT g, g % 4, g * 2, 'y' FROM generate_series(1, 10) g");
    }

    @Test
    void unsupportedConstructsFallBackToFullOrAreRejected() throws Exception {
        int i = 0;
        for (String[] entry : UNSUPPORTED) {
            String q = entry[0];
            String name = "u" + (i++);
            SQLException e = assertThrows(SQLException.class, () -> Tx.run(url, p -> {
                p.createStreamTable(name, q, "1m", "DIFFERENTIAL", true, null);
                return null;
            }), q);
            assertEquals("0A000", e.getSQLState(), q + ": " + e.getMessage());
            assertTrue(e.getMessage().contains(entry[1]), q + ": " + e.getMessage());
            Tx.run(url, p -> {
                p.createStreamTable(name, q, "1m", "AUTO", true, null);
                return null;
            });
            String mode = Tx.run(url, p -> p.db().queryOne("SELECT effective_refresh_mode FROM pgtrickle"
                    + ".pgt_stream_tables WHERE pgt_name = ?", rs -> rs.getString(1), name).orElseThrow());
            assertEquals("FULL", mode, q);
            if (!q.contains("random()")) {
                Tx.sql(url, "UPDATE t2 SET k = k + 1 WHERE id = 3");
                Tx.run(url, p -> p.refreshStreamTable(name));
                try (Connection c = TestDatabase.connect(url)) {
                    assertEquals(List.of(), Oracle.differences(c, name, q), q);
                }
            }
            Tx.run(url, p -> {
                p.dropStreamTable(name, false);
                return null;
            });
        }
    }

    @Test
    void autoRunsFullWhenTooManyChangesArePending() throws Exception {
        String q = "SELECT k, count(*) AS n, sum(v) AS sv FROM t1 GROUP BY k";
        Tx.run(url, p -> {
            p.createStreamTable("ratio", q, "1m", "AUTO", true, null);
            return null;
        });
        Tx.sql(url, "UPDATE t1 SET v = v + 1 WHERE id = 1");
        assertEquals("DIFFERENTIAL", refreshWithRatio("0.5"));
        Tx.sql(url, "UPDATE t1 SET v = v + 1 WHERE id <= 4");
        assertEquals("FULL", refreshWithRatio("0.5"));
        String last = Tx.run(url, p -> p.db().queryOne("SELECT h.action FROM pgtrickle.pgt_refresh_history h"
                + " JOIN pgtrickle.pgt_stream_tables st USING (pgt_id) WHERE st.pgt_name = 'ratio'"
                + " ORDER BY h.refresh_id DESC LIMIT 1", rs -> rs.getString(1)).orElseThrow());
        assertEquals("FULL", last);
        Tx.sql(url, "UPDATE t1 SET v = v + 1 WHERE id <= 4");
        assertEquals("DIFFERENTIAL", refreshWithRatio("5"));
        try (Connection c = TestDatabase.connect(url)) {
            assertTrue(Oracle.differences(c, "ratio", q).isEmpty());
        }
    }

    /**
     * A FULL refresh into truncated storage drops pg_trickle's own indexes and builds them again
     * once the rows are in: after it they are there as before, and the next differential refresh
     * merges through them. Keyed storage (a source with a key) and multiset storage (without).
     */
    @Test
    void aFullRefreshBuildsItsOwnIndexesAgain() throws Exception {
        Tx.sql(url, "CREATE TABLE kf_src (id int PRIMARY KEY, v int)", "CREATE TABLE mf_src (k int, v int)",
                "INSERT INTO kf_src SELECT g, g FROM generate_series(1, 50) g",
                "INSERT INTO mf_src SELECT g % 5, g FROM generate_series(1, 50) g");
        for (String[] t : new String[][] {{"kfull", "kf_src", "SELECT id, v FROM kf_src"},
                                          {"mfull", "mf_src", "SELECT k, v FROM mf_src"}}) {
            Tx.run(url, p -> {
                p.createStreamTable(t[0], t[2], "1m", "DIFFERENTIAL", true, null);
                return null;
            });
            String before = indexes(t[0]);
            assertTrue(before.contains("__pgt_row_id"), before);
            Tx.sql(url, "TRUNCATE " + t[1], "INSERT INTO " + t[1] + " SELECT g + 100, g % 7 FROM generate_series(1, 60) g");
            assertEquals("FULL", Tx.run(url, p -> p.refreshStreamTable(t[0]).action().name()), t[0]);
            assertEquals(before, indexes(t[0]), t[0]);
            Tx.sql(url, "UPDATE " + t[1] + " SET v = v + 1 WHERE v % 3 = 0", "DELETE FROM " + t[1] + " WHERE v % 5 = 0");
            assertEquals("DIFFERENTIAL", Tx.run(url, p -> p.refreshStreamTable(t[0]).action().name()), t[0]);
            try (Connection c = TestDatabase.connect(url)) {
                assertEquals(List.of(), Oracle.differences(c, t[0], t[2]), t[0]);
            }
        }
    }

    /**
     * A FULL refresh whose last result was small (here each one after the initial population) reads
     * it through pgtrickle._query_rows, where PostgreSQL may compute it in parallel, and stores the
     * query's rows.
     */
    @Test
    void aSmallFullResultIsReadThroughQueryRows() throws Exception {
        String q = "SELECT k, count(*) AS n, sum(v) AS sv, max(s) AS ms FROM t1 GROUP BY k";
        Tx.run(url, p -> {
            p.createStreamTable("small_full", q, "1m", "FULL", true, null);
            return null;
        });
        for (int round = 0; round < 2; round++) {
            Tx.sql(url, "UPDATE t1 SET v = v + 1, s = s || 'y' WHERE id % 3 = " + round);
            long calls = Tx.run(url, p -> {
                p.db().query("SELECT set_config('track_functions', 'pl', true)", rs -> null);
                p.refreshStreamTable("small_full");
                return p.db().queryOne("SELECT pg_stat_get_xact_function_calls('pgtrickle._query_rows(text)'::regprocedure)",
                        rs -> rs.getLong(1)).orElse(0L);
            });
            assertEquals(1, calls, "round " + round);
            try (Connection c = TestDatabase.connect(url)) {
                assertEquals(List.of(), Oracle.differences(c, "small_full", q), "round " + round);
            }
        }
    }

    /** The storage's indexes as PostgreSQL prints them, with whether each is valid. */
    private static String indexes(String table) throws Exception {
        return Tx.run(url, p -> p.db().queryOne("SELECT string_agg(pg_get_indexdef(i.indexrelid) || ' valid: ' || i.indisvalid,"
                + " '; ' ORDER BY pg_get_indexdef(i.indexrelid)) FROM pg_index i WHERE i.indrelid = ?::regclass",
                rs -> rs.getString(1), table).orElseThrow());
    }

    private static String refreshWithRatio(String ratio) throws Exception {
        return Tx.run(url, p -> {
            p.db().query("SELECT set_config('pg_trickle.differential_max_change_ratio', ?, true)", rs -> null, ratio);
            return p.refreshStreamTable("ratio").action().name();
        });
    }
}

package io.pgtrickle.dvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.api.PreviewRow;
import io.pgtrickle.refresh.RefreshOutcome;
import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which aggregate queries are maintained algebraically, and that those do not read their source again. */
class AlgebraicAggregateTest {

    private String url;

    @BeforeEach
    void setUp() throws Exception {
        url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, k int, v int, f float8, x numeric, s text)",
                "INSERT INTO t SELECT i, i % 3, i, i / 2.0, i / 4.0, 's' || i FROM generate_series(1, 9) i");
    }

    private PreviewRow preview(String query) throws Exception {
        return Tx.run(url, p -> p.previewStreamTable(query)).get(0);
    }

    private void create(String name, String query) throws Exception {
        Tx.run(url, p -> {
            p.createStreamTable(name, query, "1m", "DIFFERENTIAL", true, null);
            return null;
        });
    }

    private String refreshAndAssertEqual(String name, String query) throws Exception {
        String action = Tx.run(url, p -> p.refreshStreamTable(name)).action().name();
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of(), Oracle.differences(c, name, query), name);
        }
        return action;
    }

    private String deltaSql(String name) throws Exception {
        try (Connection c = TestDatabase.connect(url); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT delta_sql FROM pgtrickle.pgt_stream_tables WHERE pgt_name = '"
                     + name + "'")) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }

    @Test
    void countAndIntegerSumNeverReadTheSource() throws Exception {
        String q = "SELECT k, count(*) AS n, sum(v) AS sv, count(v) AS cv, avg(v) AS av FROM t GROUP BY k";
        PreviewRow p = preview(q);
        assertTrue(p.operatorTree().startsWith("AlgebraicAggregate(1 keys)["), p.operatorTree());
        create("st", q);
        String delta = deltaSql("st");
        // avg keeps a (never taken) rescan branch for numeric arguments; without it the source is not read at all
        String noAvg = "SELECT k, count(*) AS n, sum(v) AS sv, count(v) AS cv FROM t GROUP BY k";
        assertEquals("LINEAR", preview(noAvg).complexity());
        create("st_counts", noAvg);
        String countsDelta = deltaSql("st_counts");
        assertFalse(countsDelta.contains("public.t "), countsDelta);
        assertTrue(countsDelta.contains("pgtrickle_changes.changes_"), countsDelta);
        assertTrue(countsDelta.contains("__pgt_storage"), countsDelta);
        assertTrue(delta.contains("__pgt_storage"), delta);
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(3, Oracle.count(c, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'st'::regclass"
                    + " AND attname IN ('__pgt_count', '__pgt_a3_n', '__pgt_a5_sum')"));
        }
        Tx.sql(url, "INSERT INTO t VALUES (20, 5, NULL, 1, 1, 'x')", "DELETE FROM t WHERE k = 1",
                "UPDATE t SET k = 7 WHERE id = 3");
        assertEquals("DIFFERENTIAL", refreshAndAssertEqual("st", q));
        assertEquals("DIFFERENTIAL", refreshAndAssertEqual("st_counts", noAvg));
    }

    @Test
    void minMaxAndNumericSumsMayRescanTheirGroup() throws Exception {
        for (String q : List.of("SELECT k, min(v) AS lo FROM t GROUP BY k", "SELECT max(s) AS hi FROM t",
                "SELECT k, sum(x) AS sx FROM t GROUP BY k")) {
            PreviewRow p = preview(q);
            assertTrue(p.operatorTree().startsWith("AlgebraicAggregate"), p.operatorTree());
            assertEquals("GROUP_RECOMPUTE", p.complexity(), q);
        }
    }

    /** Times the source was read: a row-level policy counts every row it is asked about. */
    private long sourceReads() throws Exception {
        try (Connection c = TestDatabase.connect(url)) {
            return Oracle.count(c, "SELECT last_value FROM agg_owner.reads");
        }
    }

    /** Makes {@link #sourceReads} count the reads of {@code table} (owned by agg_owner, at {@code owner}). */
    private static void countReads(String owner, String table) throws Exception {
        Tx.sql(owner, "CREATE SEQUENCE reads", "CREATE FUNCTION counted() RETURNS boolean LANGUAGE plpgsql AS"
                        + " 'BEGIN PERFORM nextval(''agg_owner.reads''); RETURN true; END'",
                "ALTER TABLE " + table + " ENABLE ROW LEVEL SECURITY", "ALTER TABLE " + table + " FORCE ROW LEVEL SECURITY",
                "CREATE POLICY everyone ON " + table + " USING (agg_owner.counted())", "SELECT nextval('reads')");
    }

    @Test
    void havingIsEvaluatedOverTheCountersOfTheGroupsItKeeps() throws Exception {
        String owner = io.pgtrickle.support.Roles.login(url, "agg_owner", true);
        Tx.sql(owner, "CREATE TABLE h (id int PRIMARY KEY, k int, v int)",
                "INSERT INTO h SELECT i, i % 3, i FROM generate_series(1, 12) i");
        // sum(v) is read from the SELECT list; count(*) and avg(v) are HAVING's own, kept as hidden items
        String q = "SELECT k, sum(v) AS sv FROM agg_owner.h GROUP BY k HAVING count(*) > 3 AND (sum(v) > 20 OR k = 0)"
                + " AND avg(v) IS NOT NULL";
        PreviewRow p = Tx.run(owner, x -> x.previewStreamTable(q)).get(0);
        assertTrue(p.operatorTree().startsWith("AlgebraicAggregate(1 keys)["), p.operatorTree());
        Tx.run(owner, x -> { x.createStreamTable("hv", q, "1m", "DIFFERENTIAL", true, null); return null; });
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(2, Oracle.count(c, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'agg_owner.hv'::regclass"
                    + " AND attname IN ('__pgt_h1', '__pgt_h2')"));
        }
        countReads(owner, "h");
        // groups the result keeps are updated from their counters, also when they stop satisfying HAVING
        Tx.sql(owner, "INSERT INTO h VALUES (13, 1, 13)", "DELETE FROM h WHERE id IN (2, 5)");
        long before = sourceReads();
        assertEquals("DIFFERENTIAL", Tx.run(owner, x -> x.refreshStreamTable("hv")).action().name());
        assertEquals(before, sourceReads(), "a group the result keeps was read again");
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of(), Oracle.differences(c, "agg_owner.hv", q));
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM agg_owner.hv WHERE k = 2"), "group 2 left");
        }
        // group 2 is now left out, its counters kept beside the storage: a change to it, a new group (7)
        // and one that comes to satisfy HAVING are all applied from counters, nothing is read again
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(1, Oracle.count(c, "SELECT count(*) FROM pgtrickle_changes.left_out_" + id(c, "hv")
                    + " WHERE k = 2"), "group 2's counters");
        }
        Tx.sql(owner, "INSERT INTO h VALUES (14, 2, 14), (15, 2, 1), (16, 7, 1)");
        before = sourceReads();
        assertEquals("DIFFERENTIAL", Tx.run(owner, x -> x.refreshStreamTable("hv")).action().name());
        assertEquals(before, sourceReads(), "a group HAVING had left out was read again");
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of(), Oracle.differences(c, "agg_owner.hv", q));
            assertEquals(1, Oracle.count(c, "SELECT count(*) FROM agg_owner.hv WHERE k = 2"), "group 2 is back");
        }
        Tx.sql(owner, "INSERT INTO h SELECT i, 7, i FROM generate_series(17, 20) i", "DELETE FROM h WHERE k = 0");
        before = sourceReads();
        assertEquals("DIFFERENTIAL", Tx.run(owner, x -> x.refreshStreamTable("hv")).action().name());
        assertEquals(before, sourceReads(), "a new group was read again");
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of(), Oracle.differences(c, "agg_owner.hv", q));
            assertEquals(1, Oracle.count(c, "SELECT count(*) FROM agg_owner.hv WHERE k = 7"), "group 7 is in");
        }
    }

    /** The stream table's catalog id. */
    private static long id(Connection c, String name) throws Exception {
        return Oracle.count(c, "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = '" + name + "'");
    }

    @Test
    void theTableOfLeftOutGroupsFollowsTheStreamTable() throws Exception {
        String owner = io.pgtrickle.support.Roles.login(url, "agg_owner", true);
        String heir = io.pgtrickle.support.Roles.login(url, "agg_heir", true);
        Tx.sql(owner, "CREATE TABLE h (id int PRIMARY KEY, k int, v int)",
                "INSERT INTO h SELECT i, i % 4, i FROM generate_series(1, 12) i", "GRANT SELECT, TRIGGER ON h TO agg_heir",
                "GRANT USAGE, CREATE ON SCHEMA agg_owner TO agg_heir");
        String q = "SELECT k, count(*) AS n FROM agg_owner.h GROUP BY k HAVING sum(v) > 20";
        Tx.run(owner, x -> { x.createStreamTable("lo", q, "1m", "DIFFERENTIAL", true, null); return null; });
        long id;
        String table;
        try (Connection c = TestDatabase.connect(url)) {
            id = id(c, "lo");
            table = "pgtrickle_changes.left_out_" + id;
            assertEquals(2, Oracle.count(c, "SELECT count(*) FROM " + table), "groups 1 and 2 (sums 15, 18) are left out");
            assertEquals(1, Oracle.count(c, "SELECT count(*) FROM pg_class WHERE oid = '" + table
                    + "'::regclass AND relowner = 'agg_owner'::regrole"), "owned by the stream table's owner");
        }
        // a new owner: the left-out groups follow, and the new owner's refreshes write them
        Tx.sql(url, "ALTER TABLE agg_owner.lo OWNER TO agg_heir");
        Tx.sql(owner, "UPDATE h SET v = v + 10 WHERE k = 0", "INSERT INTO h VALUES (13, 1, 1)");
        assertEquals("DIFFERENTIAL", Tx.run(heir, x -> x.refreshStreamTable("agg_owner.lo")).action().name());
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of(), Oracle.differences(c, "agg_owner.lo", q));
            assertEquals(1, Oracle.count(c, "SELECT count(*) FROM pg_class WHERE oid = '" + table
                    + "'::regclass AND relowner = 'agg_heir'::regrole"), "owned by the new owner");
        }
        // gone (a DBA cleaning up): the next refresh recomputes, says why, and keeps them again
        Tx.sql(url, "DROP TABLE " + table, "INSERT INTO agg_owner.h VALUES (14, 3, -40)");
        RefreshOutcome out = Tx.run(heir, x -> x.refreshStreamTable("agg_owner.lo"));
        assertEquals("FULL", out.action().name());
        assertTrue(out.reason().contains("HAVING leaves out is missing"), out.reason());
        Tx.sql(url, "INSERT INTO agg_owner.h VALUES (15, 3, 1), (16, 0, 100)");
        assertEquals("DIFFERENTIAL", Tx.run(heir, x -> x.refreshStreamTable("agg_owner.lo")).action().name());
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of(), Oracle.differences(c, "agg_owner.lo", q));
        }
        // a query without HAVING keeps no such table; a dropped stream table leaves none behind
        String plain = "SELECT k, count(*) AS n FROM agg_owner.h GROUP BY k";
        Tx.run(heir, x -> { x.alterStreamTable("agg_owner.lo", plain, null, null, null, null); return null; });
        Tx.run(heir, x -> x.refreshStreamTable("agg_owner.lo"));
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM pg_class WHERE relname = 'left_out_" + id + "'"));
        }
        Tx.run(heir, x -> { x.alterStreamTable("agg_owner.lo", q, null, null, null, null); return null; });
        Tx.run(heir, x -> x.refreshStreamTable("agg_owner.lo"));
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of(), Oracle.differences(c, "agg_owner.lo", q));
            assertEquals(1, Oracle.count(c, "SELECT count(*) FROM pg_class WHERE relname = 'left_out_" + id + "'"));
        }
        Tx.run(heir, x -> { x.dropStreamTable("agg_owner.lo", null); return null; });
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM pg_class WHERE relname = 'left_out_" + id + "'"));
        }
    }

    @Test
    void numericScaleRescansOnlyWhenTheWidestScaleRunsOut() throws Exception {
        // a non-superuser owner: row-level security (FORCE) then applies to the refresh's reads of its table
        String owner = io.pgtrickle.support.Roles.login(url, "agg_owner", true);
        Tx.sql(owner, "CREATE TABLE m (id int PRIMARY KEY, k int, amt numeric(12,2), x numeric)",
                "INSERT INTO m SELECT i, i % 2, i * 1.25, CASE WHEN i = 3 THEN 0.001 ELSE i END FROM generate_series(1, 10) i");
        String money = "SELECT k, sum(amt) AS s, avg(amt) AS a FROM agg_owner.m GROUP BY k";
        String mixed = "SELECT k, sum(x) AS sx FROM agg_owner.m GROUP BY k";
        for (String[] st : new String[][] {{"money", money}, {"mixed", mixed}}) {
            Tx.run(owner, p -> { p.createStreamTable(st[0], st[1], "1m", "DIFFERENTIAL", true, null); return null; });
        }
        countReads(owner, "m");
        // every value of a numeric(12,2) column has scale 2: deleting never makes the group's scale unknown
        Tx.sql(owner, "DELETE FROM m WHERE id IN (2, 5)", "UPDATE m SET amt = 100 WHERE id = 4");
        long before = sourceReads();
        Tx.run(owner, p -> p.refreshStreamTable("money"));
        assertEquals(before, sourceReads(), "the money groups were read again");
        // the only value with scale 3 goes: group k = 1 must be read again to learn its scale
        Tx.sql(owner, "DELETE FROM m WHERE id = 3");
        before = sourceReads();
        Tx.run(owner, p -> p.refreshStreamTable("mixed"));
        assertTrue(sourceReads() > before, "the group whose widest scale ran out was not read again");
        assertEquals("DIFFERENTIAL", refreshAndAssertEqual("agg_owner.money", money));
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of(), Oracle.differences(c, "agg_owner.mixed", mixed));
        }
    }

    @Test
    void otherAggregateQueriesKeepTheGroupRecompute() throws Exception {
        for (String q : List.of("SELECT k, sum(f) AS sf FROM t GROUP BY k", "SELECT k, avg(f) AS af FROM t GROUP BY k",
                "SELECT k, count(*) AS n FROM t GROUP BY k HAVING count(*) > 1 AND max(s) > 's2'",
                "SELECT k, count(*) AS n FROM t GROUP BY k HAVING bool_and(v > 0)",
                "SELECT k, string_agg(s, ',' ORDER BY s) AS ss FROM t GROUP BY k",
                "SELECT k, count(DISTINCT v) AS dv FROM t GROUP BY k", "SELECT k, sum(v) / count(*) AS q FROM t GROUP BY k",
                "SELECT k, bool_and(v > 0) AS b FROM t GROUP BY k", "SELECT k, 1 AS one, count(*) AS n FROM t GROUP BY k",
                "SELECT DISTINCT count(*) AS n FROM t GROUP BY k")) {
            PreviewRow p = preview(q);
            assertFalse(p.operatorTree().startsWith("AlgebraicAggregate"), q + ": " + p.operatorTree());
            assertTrue(p.operatorTree().contains("Aggregate("), q + ": " + p.operatorTree());
        }
    }

    @Test
    void globalAggregateStaysOneRowAndStreamTablesOnTopIgnoreTheCounters() throws Exception {
        String q = "SELECT count(*) AS n, sum(v) AS sv, avg(x) AS ax, min(v) AS lo FROM t";
        create("g", q);
        String top = "SELECT n, sv, ax FROM g";
        create("g2", top);
        Tx.sql(url, "DELETE FROM t");
        assertEquals("DIFFERENTIAL", refreshAndAssertEqual("g", q));
        assertEquals("DIFFERENTIAL", refreshAndAssertEqual("g2", top));
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(1, Oracle.count(c, "SELECT count(*) FROM g WHERE n = 0 AND sv IS NULL AND ax IS NULL"));
        }
        Tx.sql(url, "INSERT INTO t VALUES (1, 1, 4, 1, 2.50, 'a'), (2, 1, 6, 1, 1.5, 'b')");
        assertEquals("DIFFERENTIAL", refreshAndAssertEqual("g", q));
        assertEquals("DIFFERENTIAL", refreshAndAssertEqual("g2", top));
        // a FULL refresh (TRUNCATE) writes the same counters the differential path keeps
        Tx.sql(url, "TRUNCATE t", "INSERT INTO t VALUES (3, 2, 8, 1, 0.125, 'c')");
        assertEquals("FULL", refreshAndAssertEqual("g", q));
        Tx.sql(url, "DELETE FROM t WHERE id = 3", "INSERT INTO t VALUES (4, 2, 9, 1, 1, 'd')");
        assertEquals("DIFFERENTIAL", refreshAndAssertEqual("g", q));
        assertEquals("DIFFERENTIAL", refreshAndAssertEqual("g2", top));
    }
}

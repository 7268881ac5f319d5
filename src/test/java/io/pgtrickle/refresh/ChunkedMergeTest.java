package io.pgtrickle.refresh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;

/** QW-9: a delta larger than pg_trickle.merge_batch_size is merged in windows, with the same result. */
class ChunkedMergeTest {

    @Test
    void largeDeltasAreMergedInWindows() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE keyed (id int PRIMARY KEY, v int)", "CREATE TABLE bag (v int)",
                "CREATE TABLE grouped (id int PRIMARY KEY, v int)",
                "INSERT INTO keyed SELECT g, g FROM generate_series(1, 1000) g",
                "INSERT INTO grouped SELECT g, g FROM generate_series(1, 1000) g",
                "INSERT INTO bag SELECT g % 10 FROM generate_series(1, 1000) g");
        String keyedQuery = "SELECT id, v FROM keyed WHERE v % 2 = 0";
        String bagQuery = "SELECT v FROM bag";
        // groups move in and out of HAVING: the left-out table changes in the statement that stages the delta
        String havingQuery = "SELECT id % 40 AS g, count(*) AS n, sum(v) AS s FROM grouped GROUP BY id % 40"
                + " HAVING sum(v) % 3 <> 0";
        Tx.run(url, p -> { p.createStreamTable("keyed_st", keyedQuery, null, "DIFFERENTIAL", true, null); return null; });
        Tx.run(url, p -> { p.createStreamTable("bag_st", bagQuery, null, "DIFFERENTIAL", true, null); return null; });
        Tx.run(url, p -> { p.createStreamTable("having_st", havingQuery, null, "DIFFERENTIAL", true, null); return null; });
        Tx.sql(url, "UPDATE keyed SET v = v + 1 WHERE id <= 500", "DELETE FROM keyed WHERE id > 900",
                "INSERT INTO keyed SELECT g, g FROM generate_series(2001, 2300) g",
                "DELETE FROM bag WHERE v < 3", "INSERT INTO bag SELECT g % 13 FROM generate_series(1, 500) g",
                "UPDATE grouped SET v = v + 1 WHERE id <= 500", "DELETE FROM grouped WHERE id > 900",
                "INSERT INTO grouped SELECT g, g FROM generate_series(2001, 2300) g");
        RefreshOutcome keyed = Tx.run(url, p -> {
            p.db().query("SELECT set_config('pg_trickle.merge_batch_size', '100', true)", rs -> null);
            return p.refreshStreamTable("keyed_st");
        });
        RefreshOutcome bag = Tx.run(url, p -> {
            p.db().query("SELECT set_config('pg_trickle.merge_batch_size', '4', true)", rs -> null);
            return p.refreshStreamTable("bag_st");
        });
        RefreshOutcome having = Tx.run(url, p -> {
            p.db().query("SELECT set_config('pg_trickle.merge_batch_size', '5', true)", rs -> null);
            return p.refreshStreamTable("having_st");
        });
        assertEquals((keyed.deltaRows() + 99) / 100, keyed.mergeStatements(), "windows of 100 rows");
        assertEquals((bag.deltaRows() + 3) / 4, bag.mergeStatements(), "windows of 4 distinct rows");
        assertEquals((having.deltaRows() + 4) / 5, having.mergeStatements(), "windows of 5 groups");
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of(), Oracle.differences(c, "keyed_st", keyedQuery));
            assertEquals(List.of(), Oracle.differences(c, "bag_st", bagQuery));
            assertEquals(List.of(), Oracle.differences(c, "having_st", havingQuery));
        }
        RefreshOutcome small = Tx.run(url, p -> {
            try (var s = p.db().connection().createStatement()) {
                s.execute("UPDATE keyed SET v = 0 WHERE id = 2");
            }
            return p.refreshStreamTable("keyed_st");
        });
        assertEquals(1, small.mergeStatements(), "a small delta is one MERGE");
    }
}

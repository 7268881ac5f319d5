package io.pgtrickle.dvm;

import io.pgtrickle.support.Tx;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Values PostgreSQL's equality treats as one but that print differently (numeric 20 / 20.0 /
 * 20.00, float 0 / -0, interval '1 day' / '24 hours', jsonb 1 / 1.00) in group keys, partitions,
 * TopK, DISTINCT and set operations, changed back and forth between their spellings: rows and
 * groups must be identified by the types' own equality, never by their text.
 */
class EqualValuesOracleProperties {

    private static final DvmHarness H = new DvmHarness();

    private static final String[] NUMERICS = {"20", "20.0", "20.00", "3", "3.0", "NULL"};
    private static final String[] FLOATS = {"0", "'-0'", "1", "NULL"};
    private static final String[] INTERVALS = {"'1 day'", "'24 hours'", "'1440 minutes'", "'2 hours'", "'120 minutes'",
        "NULL"};
    private static final String[] JSONS = {"'1'", "'1.00'", "'{\"a\":1}'", "'{\"a\":1.0}'", "'[\"a\"]'", "NULL"};

    static final String[] QUERIES = {
        "SELECT i, count(*) AS n, sum(v) AS sv FROM e1 GROUP BY i",
        "SELECT j, count(*) AS n, max(v) AS mv FROM e1 GROUP BY j",
        "SELECT x, f, count(*) AS c FROM e2 GROUP BY x, f",
        "SELECT id, x FROM e1 ORDER BY x NULLS LAST, id LIMIT 3",
        "SELECT x, sum(v) OVER (PARTITION BY i) AS s FROM e2",
        "SELECT x, i FROM e1 INTERSECT ALL SELECT x, i FROM e2",
        "SELECT DISTINCT j, f FROM e2",
        "SELECT x, i FROM e1 EXCEPT SELECT x, i FROM e2",
        "SELECT i, j, count(*) AS n FROM e2 GROUP BY i, j",
    };

    @Property(tries = 25)
    void staysEqualToItsQuery(@ForAll @IntRange(min = 0, max = 8) int query, @ForAll long seed) throws Exception {
        Random rnd = new Random(seed);
        H.reset();
        table("e1", true, 8, rnd);
        table("e2", false, 8, rnd);
        String q = QUERIES[query];
        H.create("st", q);
        for (int b = 0; b < 5; b++) {
            for (String t : new String[] {"e1", "e2"}) {
                for (int k = 0; k < 3; k++) {
                    change(t, rnd);
                }
            }
            H.refreshAndAssertEqual("st", q);
        }
    }

    private static void table(String name, boolean primaryKey, int rows, Random rnd) throws Exception {
        H.table(name, primaryKey, 0, rnd);
        Tx.sql(H.url, "ALTER TABLE " + name + " ADD COLUMN x numeric, ADD COLUMN f float8, ADD COLUMN i interval,"
                + " ADD COLUMN j jsonb");
        for (int id = 1; id <= rows; id++) {
            insert(name, primaryKey ? id : 1 + rnd.nextInt(rows), rnd);
        }
    }

    private static void insert(String table, int id, Random rnd) throws Exception {
        Tx.sql(H.url, "INSERT INTO " + table + " (id, k, v, x, f, i, j) VALUES (" + id + ", 0, " + rnd.nextInt(10) + ", "
                + pick(NUMERICS, rnd) + ", " + pick(FLOATS, rnd) + ", " + pick(INTERVALS, rnd) + ", " + pick(JSONS, rnd)
                + ") ON CONFLICT DO NOTHING");
    }

    /** Mostly respells a value as an equal one; sometimes inserts or deletes a row. */
    private static void change(String table, Random rnd) throws Exception {
        String row = " WHERE id = " + (1 + rnd.nextInt(10));
        switch (rnd.nextInt(7)) {
            case 0 -> Tx.sql(H.url, "UPDATE " + table + " SET x = " + pick(NUMERICS, rnd) + row);
            case 1 -> Tx.sql(H.url, "UPDATE " + table + " SET f = " + pick(FLOATS, rnd) + row);
            case 2 -> Tx.sql(H.url, "UPDATE " + table + " SET i = " + pick(INTERVALS, rnd) + row);
            case 3 -> Tx.sql(H.url, "UPDATE " + table + " SET j = " + pick(JSONS, rnd) + row);
            case 4 -> Tx.sql(H.url, "UPDATE " + table + " SET v = v + 1" + row);
            case 5 -> insert(table, 1 + rnd.nextInt(10), rnd);
            default -> Tx.sql(H.url, "DELETE FROM " + table + row);
        }
    }

    private static String pick(String[] values, Random rnd) {
        return values[rnd.nextInt(values.length)];
    }
}

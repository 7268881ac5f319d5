package io.pgtrickle.dvm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.api.PreviewRow;
import io.pgtrickle.support.Tx;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Aggregates kept with counters in the storage (COUNT, SUM and AVG of integers and numerics,
 * MIN / MAX with rescans when an extreme is deleted, FILTER, global aggregates) against the oracle.
 * Tables {@code (id, k int, v int, x numeric of mixed scales, b bigint, m numeric(8,2), s text)} with
 * NULLs and NaN; the global table n3 is small and is emptied and refilled. {@code m} has one scale,
 * for which no scale is tracked (only a NaN leaving a group has it read again).
 */
class AlgebraicAggregateOracleProperties {

    private static final DvmHarness H = new DvmHarness();

    private static final String[] NUMERICS = {"1.5", "2.25", "3", "-0.10", "0.001", "7.0", "12", "2.50", "NULL", "NULL",
        "'NaN'"};
    private static final String[] TEXTS = {"'a'", "'b'", "'c'", "NULL"};

    static final String[] QUERIES = {
        "SELECT k, count(*) AS n, count(v) AS nv, sum(v) AS sv, avg(v) AS av FROM n1 GROUP BY k",
        "SELECT k, sum(x) AS sx, avg(x) AS ax, count(x) AS cx FROM n1 GROUP BY k",
        "SELECT k, min(v) AS lo, max(v) AS hi, min(x) AS lx, max(s) AS ms FROM n2 GROUP BY k",
        "SELECT count(*) AS n, sum(v) AS sv, avg(x) AS ax, min(v) AS lo, max(x) AS hx FROM n3",
        "SELECT k, v, count(*) AS n, sum(b) AS sb, avg(b) AS ab FROM n2 GROUP BY k, v",
        "SELECT k % 2 AS parity, count(*) FILTER (WHERE v > 3) AS big, sum(x) FILTER (WHERE v < 10) AS sx,"
                + " max(v) FILTER (WHERE x > 1) AS mv, avg(v) FILTER (WHERE s <> 'a') AS av FROM n1 GROUP BY k % 2",
        "SELECT a.k, count(*) AS n, sum(b.v) AS sv, min(b.x) AS lx FROM n1 a JOIN n2 b ON a.k = b.k GROUP BY a.k",
        "SELECT count(*) AS n, count(x) AS cx, sum(x) AS sx, max(v) AS hv, sum(v) AS sv FROM n3 WHERE k = 0",
        "SELECT s, k FROM n2 GROUP BY k, s",
        "SELECT k, sum(m) AS sm, avg(m) AS am, count(m) AS cm, sum(v) AS sv FROM n1 GROUP BY k",
        "SELECT count(*) AS n, sum(m) AS sm, avg(m) AS am FROM n3",
        // HAVING over the counters: the SELECT list's calls and keys, and calls of its own
        "SELECT k, count(*) AS n, sum(v) AS sv FROM n1 GROUP BY k HAVING count(*) > 1",
        "SELECT k, sum(x) AS sx FROM n2 GROUP BY k HAVING sum(v) > 5 AND max(v) < 18 OR k IS NULL",
        "SELECT k % 2 AS parity, avg(m) AS am FROM n1 GROUP BY k % 2 HAVING k % 2 = 0 OR count(v) FILTER (WHERE v > 3) > 1",
        "SELECT count(*) AS n, avg(x) AS ax FROM n3 HAVING count(*) > 1 AND min(v) IS NOT NULL",
    };

    @Property(tries = 45)
    void staysEqualToItsQuery(@ForAll @IntRange(min = 0, max = 14) int query, @ForAll long seed) throws Exception {
        Random rnd = new Random(seed);
        H.reset();
        table("n1", true, 9, rnd);
        table("n2", false, 8, rnd);
        table("n3", true, 3, rnd);
        String q = QUERIES[query];
        PreviewRow preview = Tx.run(H.url, p -> p.previewStreamTable(q)).get(0);
        assertTrue(preview.operatorTree().startsWith("AlgebraicAggregate"), preview.operatorTree());
        H.create("st", q);
        for (int b = 0; b < 5; b++) {
            for (String t : new String[] {"n1", "n2", "n3"}) {
                if (rnd.nextInt(3) > 0) {
                    batch(t, rnd);
                }
            }
            H.refreshAndAssertEqual("st", q);
        }
    }

    /**
     * The HAVING queries alone (the last four): groups move in and out of the result, into and out of
     * the table of left-out groups, and appear and vanish, all applied from counters.
     */
    @Property(tries = 20)
    void havingStaysEqualToItsQuery(@ForAll @IntRange(min = 11, max = 14) int query, @ForAll long seed)
            throws Exception {
        staysEqualToItsQuery(query, seed);
    }

    /**
     * Found by the property (when a left-out group's counters were not kept): an update moved a value
     * of a group HAVING had left out across the FILTER, the group's row count unchanged. Its kept
     * counters now change with it.
     */
    @Example
    void aGroupLeftOutByHavingChangesWithoutItsRowCount() throws Exception {
        staysEqualToItsQuery(13, -10334L);
    }

    private static void table(String name, boolean primaryKey, int rows, Random rnd) throws Exception {
        H.table(name, primaryKey, 0, rnd);
        Tx.sql(H.url, "ALTER TABLE " + name + " ADD COLUMN x numeric, ADD COLUMN b bigint, ADD COLUMN m numeric(8,2)");
        for (int i = 1; i <= rows; i++) {
            Tx.sql(H.url, "INSERT INTO " + name + " VALUES (" + (primaryKey ? i : 1 + rnd.nextInt(rows)) + ", "
                    + row(rnd) + ")");
        }
    }

    private static String row(Random rnd) {
        return key(rnd) + ", " + (rnd.nextInt(6) == 0 ? "NULL" : String.valueOf(rnd.nextInt(25) - 5)) + ", "
                + TEXTS[rnd.nextInt(TEXTS.length)] + ", " + NUMERICS[rnd.nextInt(NUMERICS.length)] + ", "
                + (rnd.nextInt(5) == 0 ? "NULL" : String.valueOf((rnd.nextBoolean() ? 1 : -1) * 4_000_000_000_000_000_000L
                        + rnd.nextInt(1000))) + ", " + NUMERICS[rnd.nextInt(NUMERICS.length)];
    }

    private static String key(Random rnd) {
        int r = rnd.nextInt(10);
        return r < 1 ? "NULL" : r < 5 ? "0" : String.valueOf(r % 4);
    }

    /** Inserts, updates of the key and the values, deletes, and now and then emptying the table. */
    private static void batch(String table, Random rnd) throws Exception {
        int ops = 1 + rnd.nextInt(6);
        for (int i = 0; i < ops; i++) {
            String pick = "ctid = (SELECT ctid FROM " + table + " ORDER BY random() LIMIT 1)";
            switch (rnd.nextInt(7)) {
                case 0, 1 -> Tx.sql(H.url, "INSERT INTO " + table + " VALUES (" + (100 + rnd.nextInt(100_000)) + ", "
                        + row(rnd) + ") ON CONFLICT DO NOTHING");
                case 2 -> Tx.sql(H.url, "UPDATE " + table + " SET k = " + key(rnd) + " WHERE " + pick);
                case 3 -> Tx.sql(H.url, "UPDATE " + table + " SET v = " + (rnd.nextInt(25) - 5) + ", x = "
                        + NUMERICS[rnd.nextInt(NUMERICS.length)] + ", s = " + TEXTS[rnd.nextInt(TEXTS.length)]
                        + ", m = " + NUMERICS[rnd.nextInt(NUMERICS.length)] + " WHERE " + pick);
                case 4 -> Tx.sql(H.url, "DELETE FROM " + table + " WHERE " + (rnd.nextInt(8) == 0 ? "true" : pick));
                case 5 -> Tx.sql(H.url, "DELETE FROM " + table + " WHERE v = (SELECT " + (rnd.nextBoolean() ? "max" : "min")
                        + "(v) FROM " + table + ")");
                default -> Tx.sql(H.url, "UPDATE " + table + " SET x = x + 0.5, v = v - 1, m = m + 0.25 WHERE " + pick);
            }
        }
    }

    @AfterContainer
    static void report() {
        System.out.println("AlgebraicAggregateOracleProperties tries: " + H.tries.get());
    }
}

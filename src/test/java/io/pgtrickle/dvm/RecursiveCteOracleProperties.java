package io.pgtrickle.dvm;

import io.pgtrickle.support.Tx;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * WITH RECURSIVE selected whole, UNION (a set: reachability) and UNION ALL (bounded depth, duplicates
 * kept), against the oracle: after rounds of inserts only (the semi-naive refresh) and after rounds
 * of inserts, updates and deletes (recomputed and compared with the stored result, in the same
 * refresh). Every refresh must be differential.
 */
class RecursiveCteOracleProperties {

    private static final DvmHarness H = new DvmHarness();

    static final String[] QUERIES = {
        // reachability over t2's edges k -> v, from t1's keys
        "WITH RECURSIVE r(n) AS (SELECT k FROM t1 WHERE k IS NOT NULL UNION SELECT b.v FROM r JOIN t2 b ON b.k = r.n)"
                + " SELECT * FROM r",
        // every path of length <= 2, duplicates kept
        "WITH RECURSIVE r(id, n, d) AS (SELECT id, k, 0 FROM t1 UNION ALL SELECT r.id, b.v, r.d + 1 FROM r JOIN t2 b"
                + " ON b.k = r.n WHERE r.d < 2) SELECT * FROM r",
        // comma join, a filter, columns selected in another order
        "WITH RECURSIVE r(a, depth) AS (SELECT id, 1 FROM t4 UNION SELECT c.id, r.depth + 1 FROM r, t3 c"
                + " WHERE c.k = r.a % 4 AND r.depth < 4) SELECT depth, a FROM r",
        // a step that reads no table, over text
        "WITH RECURSIVE p(s, l) AS (SELECT s, 1 FROM t3 WHERE s IS NOT NULL UNION ALL SELECT p.s || 'x', p.l + 1"
                + " FROM p WHERE p.l < 3) SELECT * FROM p",
        // a base of two branches, a non-recursive CTE beside the recursive one, NULL values carried
        "WITH RECURSIVE e AS (SELECT k, v FROM t2), r(n, hops) AS (SELECT k, 0 FROM t4 UNION ALL SELECT v, 0 FROM t1"
                + " WHERE s = 'a' UNION SELECT b.v, r.hops + 1 FROM r JOIN t2 b ON b.k = r.n AND r.hops < 3)"
                + " SELECT n, hops FROM r",
    };

    @Property(tries = 25)
    void staysEqualToItsQuery(@ForAll @IntRange(min = 0, max = 4) int query, @ForAll long seed) throws Exception {
        H.assertStaysEqualOnStandardTables(QUERIES[query], seed);
    }

    @Property(tries = 25)
    void staysEqualUnderInsertsOnly(@ForAll @IntRange(min = 0, max = 4) int query, @ForAll long seed)
            throws Exception {
        Random rnd = new Random(seed);
        H.standardTables(rnd);
        H.create("st", QUERIES[query]);
        int id = 1000;
        for (int round = 0; round < 4; round++) {
            for (String t : new String[] {"t1", "t2", "t3", "t4"}) {
                for (int i = rnd.nextInt(3); i > 0; i--) {
                    Tx.sql(H.url, "INSERT INTO " + t + " VALUES (" + (id++) + ", " + small(rnd) + ", "
                            + (rnd.nextInt(6) == 0 ? "NULL" : String.valueOf(rnd.nextInt(8) - 2)) + ", "
                            + (rnd.nextBoolean() ? "'a'" : "NULL") + ")");
                }
            }
            H.refreshAndAssertEqual("st", QUERIES[query]);
        }
    }

    private static String small(Random rnd) {
        int r = rnd.nextInt(6);
        return r == 0 ? "NULL" : String.valueOf(r % 4);
    }

    @AfterContainer
    static void report() {
        System.out.println("RecursiveCteOracleProperties tries: " + H.tries.get());
    }
}

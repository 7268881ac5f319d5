package io.pgtrickle.dvm;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Semi-joins (EXISTS, IN), anti-joins (NOT EXISTS, NOT IN with NULLs), ANY / ALL and row-valued IN,
 * mark joins (those predicates under OR, NOT, in CASE and in the SELECT list, with their
 * three-valued results), scalar subqueries, and correlated scalar and LATERAL subqueries
 * (unnested into joins, COUNT over no rows included) against the oracle.
 */
class SubqueryOracleProperties {

    private static final DvmHarness H = new DvmHarness();

    static final String[] QUERIES = {
        "SELECT id, v FROM t1 a WHERE EXISTS (SELECT 1 FROM t2 b WHERE b.k = a.k AND b.v > a.v)",
        "SELECT id, v FROM t1 a WHERE NOT EXISTS (SELECT 1 FROM t2 b WHERE b.k = a.k)",
        "SELECT id, k FROM t1 WHERE k IN (SELECT k FROM t3 WHERE s = 'a')",
        "SELECT id, k FROM t1 WHERE k NOT IN (SELECT k FROM t2)",
        "SELECT id, v FROM t3 WHERE v NOT IN (SELECT v FROM t4 WHERE v IS NOT NULL) AND s <> 'c'",
        "SELECT id, v, (SELECT max(v) FROM t2) AS mx FROM t1",
        "SELECT id, v FROM t1 WHERE v > (SELECT avg(v) FROM t2)",
        "SELECT id FROM t1 WHERE k IN (SELECT k FROM t2 GROUP BY k HAVING count(*) > 1)",
        "SELECT id FROM t1 WHERE v > ALL (SELECT v FROM t2 WHERE k = 1)",
        "SELECT id FROM t1 WHERE (k, v) IN (SELECT k, v FROM t3)",
        "SELECT id, v FROM t1 a WHERE a.v > 10 OR EXISTS (SELECT 1 FROM t2 b WHERE b.k = a.k AND b.s = 'a')",
        "SELECT id, k IN (SELECT k FROM t2 WHERE v > 5) AS hit, v < ALL (SELECT v FROM t3) AS low FROM t1",
        "SELECT id FROM t1 a WHERE NOT (a.k NOT IN (SELECT k FROM t2) OR a.s = 'b')",
        "SELECT id, CASE WHEN EXISTS (SELECT 1 FROM t4 d WHERE d.v = a.v) THEN 'seen' END AS tag FROM t1 a",
        "SELECT a.id, (SELECT count(*) FROM t2 b WHERE b.k = a.k) AS n, (SELECT max(v) FROM t3 c WHERE c.k = a.k"
                + " AND c.s <> 'a') AS mx FROM t1 a",
        "SELECT id, v FROM t1 a WHERE v >= (SELECT avg(v) FROM t2 b WHERE b.k = a.k)",
        "SELECT a.id, x.n, x.sv FROM t1 a, LATERAL (SELECT count(*) AS n, sum(v) AS sv FROM t2 b WHERE b.k = a.k) x",
        "SELECT a.id, x.s, x.n FROM t1 a CROSS JOIN LATERAL (SELECT s, count(*) AS n FROM t3 c WHERE c.k = a.k"
                + " GROUP BY s) x",
        "SELECT a.id, x.v FROM t1 a, LATERAL (SELECT b.v FROM t2 b WHERE b.k = a.k AND b.v > a.v) x",
    };

    @Property(tries = 40)
    void staysEqualToItsQuery(@ForAll @IntRange(min = 0, max = 18) int query, @ForAll long seed)
            throws Exception {
        H.assertStaysEqualOnStandardTables(QUERIES[query], seed);
    }

    @AfterContainer
    static void report() {
        System.out.println("SubqueryOracleProperties tries: " + H.tries.get());
    }
}

package io.pgtrickle.dvm;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

/** GROUP BY and global aggregates (algebraic, MIN/MAX, rescanned ones, FILTER, HAVING) against the oracle. */
class AggregateOracleProperties {

    private static final DvmHarness H = new DvmHarness();

    static final String[] QUERIES = {
        "SELECT k, count(*) AS n, count(v) AS nv, sum(v) AS sv, avg(v) AS av FROM t2 GROUP BY k",
        "SELECT k, min(v) AS lo, max(v) AS hi, max(s) AS ms FROM t1 GROUP BY k",
        "SELECT count(*) AS n, sum(v) AS sv, min(v) AS lo FROM t2",
        "SELECT k, s, count(DISTINCT v) AS dv, string_agg(v::text, ',' ORDER BY v, id) AS vs, bool_and(v > 0) AS allpos FROM t2 GROUP BY k, s",
        "SELECT k, count(*) FILTER (WHERE v > 3) AS big, array_agg(id ORDER BY id) AS ids FROM t1 GROUP BY k HAVING count(*) > 1",
        "SELECT a.k, count(*) AS n, sum(b.v) AS sv FROM t1 a JOIN t2 b ON a.k = b.k GROUP BY a.k",
        "SELECT coalesce(k, -1) + 1 AS kk, sum(v) * 2 AS s2 FROM t3 WHERE s IS NOT NULL GROUP BY 1",
        "SELECT max(v) AS hi FROM t4 HAVING count(*) > 2",
        "SELECT k, s, count(*) AS n, sum(v) AS sv FROM t2 GROUP BY ROLLUP (k, s)",
        "SELECT k, s, count(*) AS n, GROUPING(k, s) AS g, max(v) AS mv FROM t3 GROUP BY CUBE (k, s)",
        "SELECT a.k, b.s, count(*) AS n FROM t1 a JOIN t2 b ON a.k = b.k GROUP BY GROUPING SETS ((a.k), (b.s), ())",
        "SELECT k, s, sum(v) AS sv FROM t1 GROUP BY k, ROLLUP (s) HAVING count(*) > 1",
    };

    @Property(tries = 30)
    void staysEqualToItsQuery(@ForAll @IntRange(min = 0, max = 11) int query, @ForAll long seed)
            throws Exception {
        H.assertStaysEqualOnStandardTables(QUERIES[query], seed);
    }

    @AfterContainer
    static void report() {
        System.out.println("AggregateOracleProperties tries: " + H.tries.get());
    }
}

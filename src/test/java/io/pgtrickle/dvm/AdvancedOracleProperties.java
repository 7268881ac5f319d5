package io.pgtrickle.dvm;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * CTEs, window functions (several PARTITION BY lists, over GROUP BY), TopK, UNNEST, DISTINCT ON and
 * USING / NATURAL joins against the oracle.
 */
class AdvancedOracleProperties {

    private static final DvmHarness H = new DvmHarness();

    static final String[] QUERIES = {
        "WITH c AS (SELECT k, sum(v) AS sv FROM t2 GROUP BY k) SELECT a.id, c.sv FROM t1 a JOIN c ON c.k = a.k",
        "WITH c AS (SELECT id, k FROM t1 WHERE v > 0) SELECT x.id, y.id AS yid FROM c x JOIN c y ON x.k = y.k",
        "SELECT id, k, v, rank() OVER (PARTITION BY k ORDER BY v, id) AS r, sum(v) OVER (PARTITION BY k) AS tot FROM t1",
        "SELECT id, row_number() OVER (ORDER BY id) AS rn FROM t4",
        "SELECT k, count(*) AS n, sum(v) AS sv, rank() OVER (ORDER BY sum(v) DESC NULLS LAST, k NULLS LAST) AS r FROM t2"
                + " GROUP BY k",
        "SELECT k, s, count(*) AS n, sum(count(*)) OVER (PARTITION BY k) AS per_k FROM t3 GROUP BY k, s",
        "SELECT id, k, v, rank() OVER (PARTITION BY k ORDER BY v, id) AS r, count(*) OVER (PARTITION BY s) AS ns FROM t1",
        "SELECT id, sum(v) OVER (PARTITION BY k) AS sk, max(v) OVER () AS mx,"
                + " row_number() OVER (PARTITION BY s ORDER BY id, v, k) AS rn FROM t2",
        "SELECT DISTINCT ON (k) k, id, v FROM t1 ORDER BY k, v DESC NULLS LAST, id",
        "SELECT id, a.v, b.s FROM t1 a JOIN t3 b USING (id)",
        "SELECT id, k, v, s FROM t1 NATURAL JOIN t4",
        "SELECT id, v FROM t1 ORDER BY v DESC NULLS LAST, id LIMIT 3",
        "SELECT id, k FROM t4 ORDER BY id LIMIT 2 OFFSET 1",
        "SELECT a.id, u.x FROM t1 a, unnest(ARRAY[a.k, a.v]) AS u(x)",
        "SELECT s, count(*) AS n FROM (SELECT DISTINCT s, k FROM t2) d GROUP BY s",
    };

    @Property(tries = 35)
    void staysEqualToItsQuery(@ForAll @IntRange(min = 0, max = 14) int query, @ForAll long seed)
            throws Exception {
        H.assertStaysEqualOnStandardTables(QUERIES[query], seed);
    }

    @AfterContainer
    static void report() {
        System.out.println("AdvancedOracleProperties tries: " + H.tries.get());
    }
}

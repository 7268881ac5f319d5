package io.pgtrickle.dvm;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

/** Inner (multi-way), cross, left, right and full joins against the oracle. */
class JoinOracleProperties {

    private static final DvmHarness H = new DvmHarness();

    static final String[] QUERIES = {
        "SELECT a.id, a.v, b.v AS bv FROM t1 a JOIN t2 b ON a.k = b.k",
        "SELECT a.id, b.s, c.v AS cv, d.id AS did FROM t1 a JOIN t2 b ON a.k = b.k JOIN t3 c ON c.k = b.k"
            + " JOIN t4 d ON d.v > c.v AND d.k IS NOT DISTINCT FROM a.k WHERE a.v IS NOT NULL",
        "SELECT a.id, b.id AS bid FROM t1 a, t2 b WHERE a.k = b.k + 1 AND b.v < 10",
        "SELECT a.id, b.k AS bk FROM t1 a CROSS JOIN t3 b WHERE b.s = 'a'",
        "SELECT a.id, a.k, b.v AS bv FROM t1 a LEFT JOIN t2 b ON a.k = b.k AND b.v > 0",
        "SELECT a.id, b.v AS bv, b.s FROM t1 a RIGHT JOIN t2 b ON a.k = b.k",
        "SELECT a.id, a.k, b.id AS bid, b.k AS bk FROM t3 a FULL JOIN t2 b ON a.k = b.k AND a.s = b.s",
        "SELECT a.id, b.v AS bv, c.v AS cv FROM t1 a LEFT JOIN t2 b ON a.k = b.k LEFT JOIN t3 c ON c.k = b.k",
        "SELECT a.id, upper(b.s) AS us FROM t2 a JOIN t3 b ON a.k = b.k",
    };

    @Property(tries = 18)
    void joinsStayEqualToTheirQuery(@ForAll @IntRange(min = 0, max = 8) int query, @ForAll long seed)
            throws Exception {
        H.assertStaysEqualOnStandardTables(QUERIES[query], seed);
    }

    @AfterContainer
    static void report() {
        System.out.println("JoinOracleProperties tries: " + H.tries.get());
    }
}

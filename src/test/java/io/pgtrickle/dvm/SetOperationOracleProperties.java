package io.pgtrickle.dvm;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

/** DISTINCT, UNION ALL, UNION, INTERSECT [ALL], EXCEPT [ALL] against the oracle. */
class SetOperationOracleProperties {

    private static final DvmHarness H = new DvmHarness();

    static final String[] QUERIES = {
        "SELECT DISTINCT k, s FROM t2",
        "SELECT k, v FROM t1 UNION ALL SELECT k, v FROM t2",
        "SELECT k, s FROM t1 UNION SELECT k, s FROM t2",
        "SELECT k FROM t1 INTERSECT SELECT k FROM t2",
        "SELECT k, s FROM t2 INTERSECT ALL SELECT k, s FROM t3",
        "SELECT k FROM t2 EXCEPT SELECT k FROM t3",
        "SELECT k, s FROM t2 EXCEPT ALL SELECT k, s FROM t1",
        "SELECT id, k FROM t1 UNION ALL SELECT id, k FROM t4",
    };

    @Property(tries = 20)
    void staysEqualToItsQuery(@ForAll @IntRange(min = 0, max = 7) int query, @ForAll long seed)
            throws Exception {
        H.assertStaysEqualOnStandardTables(QUERIES[query], seed);
    }

    @AfterContainer
    static void report() {
        System.out.println("SetOperationOracleProperties tries: " + H.tries.get());
    }
}

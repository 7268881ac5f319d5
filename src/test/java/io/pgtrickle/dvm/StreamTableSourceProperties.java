package io.pgtrickle.dvm;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

/** A stream table reading another stream table (keyed and multiset storage) against the oracle. */
class StreamTableSourceProperties {

    private static final DvmHarness H = new DvmHarness();

    static final String[][] PAIRS = {
        {"SELECT k, sum(v) AS sv, count(*) AS n FROM t2 GROUP BY k",
            "SELECT a.id, s.sv, s.n FROM t1 a JOIN up s ON s.k IS NOT DISTINCT FROM a.k"},
        {"SELECT k, v FROM t2 WHERE v > 0",
            "SELECT k, count(*) AS n, max(v) AS mv FROM up GROUP BY k"},
        {"SELECT a.id, a.k, b.v FROM t1 a LEFT JOIN t3 b ON a.k = b.k",
            "SELECT id, k, v FROM up WHERE v IS NULL OR v > 2"},
    };

    @Property(tries = 12)
    void downstreamStaysEqualToItsQuery(@ForAll @IntRange(min = 0, max = 2) int pair, @ForAll long seed)
            throws Exception {
        Random rnd = new Random(seed);
        H.reset();
        H.table("t1", true, 8, rnd);
        H.table("t2", false, 7, rnd);
        H.table("t3", true, 6, rnd);
        String up = PAIRS[pair][0];
        String down = PAIRS[pair][1];
        H.create("up", up);
        H.create("down", down);
        for (int b = 0; b < 4; b++) {
            for (String t : new String[] {"t1", "t2", "t3"}) {
                H.batch(t, rnd);
            }
            H.refreshAndAssertEqual("up", up);
            H.refreshAndAssertEqual("down", down);
        }
    }

    @AfterContainer
    static void report() {
        System.out.println("StreamTableSourceProperties tries: " + H.tries.get());
    }
}

package io.pgtrickle.dvm;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * A column whose collation is not the database's: MIN / MAX, DISTINCT, comparisons, TopK and
 * group keys on it must be evaluated in that collation on the delta side too (storage, change
 * buffers and staging keep every column's collation).
 */
class CollationOracleProperties {

    private static final DvmHarness H = new DvmHarness();
    private static String collation;

    private static final String[] WORDS = {"'a'", "'B'", "'b'", "'A'", "'ä'", "'Z'", "'z'", "NULL"};

    static final String[] QUERIES = {
        "SELECT k, min(w) AS lo, max(w) AS hi, count(*) AS n FROM c1 GROUP BY k",
        "SELECT min(w) AS lo, max(w) AS hi FROM c2",
        "SELECT id, w FROM c1 WHERE w < 'b'",
        "SELECT id, w FROM c1 ORDER BY w, id LIMIT 3",
        "SELECT DISTINCT w FROM c2",
        "SELECT w, count(*) AS n FROM c2 GROUP BY w",
        "SELECT a.id, b.w FROM c1 a JOIN c2 b ON a.w > b.w",
    };

    @BeforeContainer
    static void findCollation() throws Exception {
        // one that orders 'a' before 'B', unlike the embedded server's default (C)
        try (Connection c = TestDatabase.connect(H.url)) {
            for (String candidate : new String[] {"und-x-icu", "en-x-icu", "en_US.utf8", "en_US"}) {
                if (Oracle.count(c, "SELECT count(*) FROM pg_collation WHERE collname = '" + candidate + "'") > 0
                        && "t".equals(Oracle.single(c, "SELECT 'a' < 'B' COLLATE \"" + candidate + "\""))) {
                    collation = candidate;
                    return;
                }
            }
        }
    }

    @Property(tries = 15)
    void staysEqualToItsQuery(@ForAll @IntRange(min = 0, max = 6) int query, @ForAll long seed) throws Exception {
        assumeTrue(collation != null, "no collation that orders differently from C");
        Random rnd = new Random(seed);
        H.reset();
        table("c1", true, 8, rnd);
        table("c2", false, 7, rnd);
        String q = QUERIES[query];
        H.create("st", q);
        for (int b = 0; b < 4; b++) {
            for (String t : new String[] {"c1", "c2"}) {
                for (int k = 0; k < 3; k++) {
                    change(t, rnd);
                }
            }
            H.refreshAndAssertEqual("st", q);
        }
    }

    private static void table(String name, boolean primaryKey, int rows, Random rnd) throws Exception {
        H.table(name, primaryKey, 0, rnd);
        Tx.sql(H.url, "ALTER TABLE " + name + " ADD COLUMN w text COLLATE \"" + collation + "\"");
        for (int id = 1; id <= rows; id++) {
            Tx.sql(H.url, "INSERT INTO " + name + " (id, k, w) VALUES (" + (primaryKey ? id : 1 + rnd.nextInt(rows))
                    + ", " + rnd.nextInt(3) + ", " + WORDS[rnd.nextInt(WORDS.length)] + ")");
        }
    }

    private static void change(String table, Random rnd) throws Exception {
        int id = 1 + rnd.nextInt(10);
        switch (rnd.nextInt(4)) {
            case 0, 1 -> Tx.sql(H.url, "UPDATE " + table + " SET w = " + WORDS[rnd.nextInt(WORDS.length)]
                    + " WHERE id = " + id);
            case 2 -> Tx.sql(H.url, "INSERT INTO " + table + " (id, k, w) VALUES (" + (10 + rnd.nextInt(1000)) + ", "
                    + rnd.nextInt(3) + ", " + WORDS[rnd.nextInt(WORDS.length)] + ") ON CONFLICT DO NOTHING");
            default -> Tx.sql(H.url, "DELETE FROM " + table + " WHERE id = " + id);
        }
    }
}

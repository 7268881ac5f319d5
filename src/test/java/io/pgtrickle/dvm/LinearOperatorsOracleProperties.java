package io.pgtrickle.dvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgtrickle.support.Change;
import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The oracle for scan, filter and projection: after random insert/update/delete batches on keyed
 * and keyless sources, each DIFFERENTIAL stream table equals its query run from scratch.
 */
class LinearOperatorsOracleProperties {

    private static final Map<String, String> KEYED = Map.of(
            "scan_keyed", "SELECT * FROM t",
            "filter_project_keyed",
            "SELECT id, a + 1 AS a1, coalesce(b, '?') || 'x' AS bx FROM t tt WHERE tt.a > 3 OR b IS NULL",
            "project_constant_keyed", "SELECT 1 AS one, (a IS NULL) AS a_null FROM t WHERE b <> 'z'");
    private static final Map<String, String> KEYLESS = Map.of(
            "scan_keyless", "SELECT a, b FROM k",
            "filter_keyless", "SELECT a, b FROM k WHERE a IS DISTINCT FROM 2",
            "collapsing_project_keyless", "SELECT a % 3 AS m FROM k");

    private static String url;

    @BeforeContainer
    static void database() throws Exception {
        url = TestDatabase.freshDatabase();
    }

    @Provide
    Arbitrary<List<List<Change>>> batches() {
        return Change.arbitrary(12).list().ofMinSize(1).ofMaxSize(12).list().ofMinSize(1).ofMaxSize(5);
    }

    @Property(tries = 60)
    void differentialEqualsQuery(@ForAll("batches") List<List<Change>> batches,
                                 @ForAll("initialRows") int initialRows) throws Exception {
        Tx.sql(url, "DROP TABLE IF EXISTS t, k CASCADE");
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, a int, b text)",
                "CREATE TABLE k (a int, b text)",
                "INSERT INTO t SELECT g, CASE WHEN g % 4 = 0 THEN NULL ELSE g % 7 END, (ARRAY['x','y',NULL])[1 + g % 3]"
                        + " FROM generate_series(1, " + initialRows + ") g",
                "INSERT INTO k SELECT g % 5, (ARRAY['x','y',NULL])[1 + g % 3] FROM generate_series(1, " + initialRows + ") g");
        createAll(KEYED);
        createAll(KEYLESS);
        try {
            for (List<Change> batch : batches) {
                String[] sql = new String[batch.size() * 2];
                for (int i = 0; i < batch.size(); i++) {
                    sql[2 * i] = batch.get(i).keyedSql("t");
                    sql[2 * i + 1] = batch.get(i).keylessSql("k");
                }
                Tx.sql(url, sql);
                refreshAndAssertEqual(KEYED);
                refreshAndAssertEqual(KEYLESS);
            }
        } finally {
            dropAll(KEYED);
            dropAll(KEYLESS);
        }
    }

    @Provide
    Arbitrary<Integer> initialRows() {
        return Arbitraries.integers().between(0, 15);
    }

    private static void createAll(Map<String, String> tables) throws Exception {
        for (var e : tables.entrySet()) {
            Tx.run(url, p -> { p.createStreamTable(e.getKey(), e.getValue(), null, "DIFFERENTIAL", true, null); return null; });
        }
    }

    private static void dropAll(Map<String, String> tables) throws Exception {
        for (String name : tables.keySet()) {
            Tx.run(url, p -> { p.dropStreamTable(name, false); return null; });
        }
    }

    private static void refreshAndAssertEqual(Map<String, String> tables) throws Exception {
        for (var e : tables.entrySet()) {
            Tx.run(url, p -> p.refreshStreamTable(e.getKey()));
            try (Connection c = TestDatabase.connect(url)) {
                assertEquals(List.of(), Oracle.differences(c, e.getKey(), e.getValue()), e.getKey());
            }
        }
    }
}

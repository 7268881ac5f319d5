package io.pgtrickle.refresh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgtrickle.api.PgTrickle;
import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A differential refresh creates no table: it writes no row into pg_class, pg_attribute, pg_type or pg_depend. */
class RefreshCatalogChurnTest {

    @Test
    void differentialRefreshLeavesTheSystemCatalogsAlone() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, k int, v int)",
                "INSERT INTO t SELECT g, g % 5, g FROM generate_series(1, 100) g");
        String q = "SELECT k, count(*) AS n, sum(v) AS s FROM t GROUP BY k";
        Tx.run(url, p -> { p.createStreamTable("st", q, "1m", "DIFFERENTIAL", true, null); return null; });
        for (int round = 0; round < 2; round++) {
            try (Connection c = TestDatabase.connect(url); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("UPDATE t SET v = v + 1 WHERE id % 7 = " + round);
                st.execute("DELETE FROM t WHERE id = " + (50 + round));
                assertEquals("DIFFERENTIAL", new PgTrickle(c).refreshStreamTable("st").action().name());
                assertEquals(0, Oracle.count(c, "SELECT coalesce(sum(n_tup_ins + n_tup_del), 0) FROM pg_stat_xact_sys_tables"
                        + " WHERE relname IN ('pg_class', 'pg_attribute', 'pg_type', 'pg_depend')"), "round " + round);
                c.commit();
                assertEquals(List.of(), Oracle.differences(c, "st", q));
            }
        }
    }
}

package io.pgtrickle.refresh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.api.PgTrickle;
import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fixed cost of a small differential refresh: a handful of statements sent by the host, and no
 * table created (no row written into pg_class, pg_attribute, pg_type or pg_depend).
 */
class RefreshFixedCostTest {

    private static final String QUERY = "SELECT k, count(*) AS n, sum(v) AS s FROM t GROUP BY k";

    @Test
    void aSmallDifferentialRefreshSendsAtMostSixStatementsAndCreatesNoTable() throws Exception {
        String url = streamTableSt();
        for (int round = 0; round < 3; round++) {
            try (Connection c = TestDatabase.connect(url); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("UPDATE t SET v = v + 1 WHERE id % 7 = " + round);
                st.execute("DELETE FROM t WHERE id = " + (50 + round));
                List<String> sent = new ArrayList<>();
                assertEquals("DIFFERENTIAL", new PgTrickle(counting(c, sent)).refreshStreamTable("st").action().name());
                assertTrue(sent.size() <= 6, "round " + round + ": " + sent.size() + " statements: " + sent);
                assertTrue(sent.stream().noneMatch(s -> s.matches("(?is).*\\b(CREATE|DROP|TRUNCATE)\\b.*")), sent.toString());
                assertEquals(0, Oracle.count(c, "SELECT coalesce(sum(n_tup_ins + n_tup_del), 0) FROM pg_stat_xact_sys_tables"
                        + " WHERE relname IN ('pg_class', 'pg_attribute', 'pg_type', 'pg_depend')"), "round " + round);
                c.commit();
                assertEquals(List.of(), Oracle.differences(c, "st", QUERY));
            }
        }
    }

    @Test
    void aSessionPlansItsDeltaStatementOnceAndAgainWhenItChanges() throws Exception {
        String url = streamTableSt();
        String other = "SELECT k, max(v) AS hi FROM t WHERE v > 3 GROUP BY k";
        try (Connection c = TestDatabase.connect(url); Statement st = c.createStatement()) {
            String prepared = "SELECT generic_plans FROM pg_prepared_statements WHERE name LIKE '\\_\\_pgt\\_refresh\\_%'";
            for (int round = 0; round < 6; round++) {
                if (round == 2) {
                    st.execute("CREATE INDEX ON t (k)");   // PostgreSQL plans the statement again by itself
                }
                if (round == 4) {   // a new query is a new statement text: prepared again under the same name
                    Tx.run(url, p -> { p.alterStreamTable("st", other, null, null, null, null); return null; });
                }
                st.execute("UPDATE t SET v = v + 1 WHERE id % 7 = " + round);
                st.execute("DELETE FROM t WHERE id = " + (50 + round));
                c.setAutoCommit(false);
                assertEquals("DIFFERENTIAL", new PgTrickle(c).refreshStreamTable("st").action().name());
                c.commit();
                c.setAutoCommit(true);
                assertEquals(List.of(), Oracle.differences(c, "st", round < 4 ? QUERY : other), "round " + round);
                // one statement, run with the plan it was prepared with (no parameters: the generic plan)
                assertEquals(round < 4 ? round + 1 : round - 3, Oracle.count(c, prepared), "round " + round);
            }
        }
    }

    /** A fresh database with table t and stream table st over {@link #QUERY}; its URL. */
    private static String streamTableSt() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, k int, v int)",
                "INSERT INTO t SELECT g, g % 5, g FROM generate_series(1, 100) g");
        Tx.run(url, p -> { p.createStreamTable("st", QUERY, "1m", "DIFFERENTIAL", true, null); return null; });
        return url;
    }

    /** {@code c}, noting the text of every statement the engine prepares or creates on it. */
    private static Connection counting(Connection c, List<String> sent) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().startsWith("prepare")) {
                        sent.add((String) args[0]);
                    } else if (method.getName().equals("createStatement")) {
                        sent.add("(statement)");
                    }
                    try {
                        return method.invoke(c, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}

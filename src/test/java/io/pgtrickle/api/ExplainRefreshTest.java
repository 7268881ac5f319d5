package io.pgtrickle.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.refresh.RefreshOutcome;
import io.pgtrickle.support.Roles;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** explain_refresh shows the delta statement, tagged by operator, runnable on its own, and its plan. */
class ExplainRefreshTest {

    @Test
    void showsThePendingDeltaAndItsPlanWithoutConsumingIt() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE \"odd*/name\" (id int PRIMARY KEY, k int, v int)",
                "INSERT INTO \"odd*/name\" SELECT g, g % 3, g FROM generate_series(1, 20) g");
        Tx.run(url, p -> {
            p.createStreamTable("sums", "SELECT k, sum(v) AS s FROM \"odd*/name\" GROUP BY k", null, "DIFFERENTIAL",
                    true, null);
            return null;
        });
        Tx.sql(url, "UPDATE \"odd*/name\" SET v = v + 1 WHERE id = 3");
        List<String> lines = Tx.run(url, p -> p.explainRefresh("sums", true));
        String text = String.join("\n", lines);
        assertTrue(text.contains("/* AlgebraicAggregate"), text);
        assertTrue(text.contains("/* Scan(public.\"odd* /name\") */"), text);
        assertTrue(text.contains("-- PostgreSQL's plan for it") && text.contains("actual time"), text);
        // reading the pending delta consumed nothing: the refresh still applies the change
        RefreshOutcome outcome = Tx.run(url, p -> p.refreshStreamTable("sums"));
        assertEquals("DIFFERENTIAL", outcome.action().name());
        assertTrue(outcome.rowsInserted() + outcome.rowsDeleted() > 0, outcome.toString());
    }

    @Test
    void onlyTheOwnerMayExplain() throws Exception {
        String url = TestDatabase.freshDatabase();
        String alice = Roles.login(url, "exp_alice", true);
        String bob = Roles.login(url, "exp_bob", true);
        Tx.sql(alice, "CREATE TABLE t (id int PRIMARY KEY, v int)");
        Tx.run(alice, p -> {
            p.createStreamTable("mine", "SELECT id, v FROM t", null, "DIFFERENTIAL", true, null);
            return null;
        });
        SQLException e = assertThrows(SQLException.class, () -> Tx.run(bob, p -> p.explainRefresh("exp_alice.mine", false)));
        assertEquals("42501", e.getSQLState(), e.getMessage());
    }
}

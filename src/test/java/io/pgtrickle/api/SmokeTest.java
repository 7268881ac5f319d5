package io.pgtrickle.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;

class SmokeTest {

    @Test
    void filterProjectStaysEqualToItsQuery() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE orders (id int PRIMARY KEY, region text, amount numeric)",
                "INSERT INTO orders SELECT g, 'r' || (g % 3), g * 1.5 FROM generate_series(1, 100) g");
        String q = "SELECT id, upper(region) AS region, amount * 2 AS doubled FROM orders o WHERE o.amount > 10";
        Tx.run(url, p -> { p.createStreamTable("big_orders", q, "1m", "DIFFERENTIAL", true, null); return null; });
        Tx.sql(url, "UPDATE orders SET amount = 1 WHERE id = 50", "DELETE FROM orders WHERE id = 60",
                "INSERT INTO orders VALUES (1000, 'x', 99)");
        var outcome = Tx.run(url, p -> p.refreshStreamTable("big_orders"));
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of(), Oracle.differences(c, "big_orders", q));
        }
        assertEquals("DIFFERENTIAL", outcome.action().name());
    }
}

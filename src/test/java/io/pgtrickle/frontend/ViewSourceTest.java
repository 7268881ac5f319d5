package io.pgtrickle.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

/** Views as sources are inlined: their tables are captured, and a redefinition rebuilds the stream table. */
class ViewSourceTest {

    @Test
    void aViewIsInlinedAndItsRedefinitionIsFollowed() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE o (id int PRIMARY KEY, cust int, amount numeric)",
                "INSERT INTO o SELECT g, g % 4, g * 1.5 FROM generate_series(1, 40) g",
                "CREATE VIEW big AS SELECT id, cust, amount FROM o WHERE amount > 20");
        String q = "SELECT cust, count(*) AS n, sum(amount) AS total FROM big GROUP BY cust";
        Tx.run(url, p -> {
            p.createStreamTable("by_cust", q, "1m", "DIFFERENTIAL", true, null);
            return null;
        });
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals("TRUE", Oracle.single(c, "SELECT upper(bool_or(d.cdc_mode = 'TRIGGER')::text)"
                    + " FROM pgtrickle.pgt_dependencies d WHERE d.source_relid = 'o'::regclass"), "o is captured");
        }
        Tx.sql(url, "UPDATE o SET amount = amount + 100 WHERE id IN (1, 2)", "DELETE FROM o WHERE id = 39");
        assertEquals("DIFFERENTIAL", Tx.run(url, p -> p.refreshStreamTable("by_cust")).action().name());
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(java.util.List.of(), Oracle.differences(c, "by_cust", q));
        }
        // same columns, another query: the stream table follows the view
        Tx.sql(url, "CREATE OR REPLACE VIEW big AS SELECT id, cust, amount FROM o WHERE amount > 50");
        Tx.run(url, p -> p.refreshStreamTable("by_cust"));
        Tx.sql(url, "UPDATE o SET amount = 0 WHERE id = 40");
        assertEquals("DIFFERENTIAL", Tx.run(url, p -> p.refreshStreamTable("by_cust")).action().name());
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(java.util.List.of(), Oracle.differences(c, "by_cust", q));
        }
    }

    @Test
    void aSecurityBarrierViewIsNotInlined() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE s (id int PRIMARY KEY, secret boolean)",
                "CREATE VIEW visible WITH (security_barrier) AS SELECT id FROM s WHERE NOT secret");
        String mode = Tx.run(url, p -> {
            p.createStreamTable("vis", "SELECT id FROM visible", "1m", "AUTO", true, null);
            return p.db().queryOne("SELECT effective_refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'vis'",
                    rs -> rs.getString(1)).orElseThrow();
        });
        assertEquals("FULL", mode);
        String reason = Tx.run(url, p -> p.previewStreamTable("SELECT id FROM visible").get(0).warnings());
        assertTrue(reason.contains("security_barrier view"), reason);
    }
}

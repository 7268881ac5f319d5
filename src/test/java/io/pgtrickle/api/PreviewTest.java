package io.pgtrickle.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;

/** QW-3: preview_stream_table reports the plan and creates nothing. */
class PreviewTest {

    @Test
    void previewReportsPlanWithoutSideEffects() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE orders (id int PRIMARY KEY, customer_id int, amount numeric)",
                "CREATE TABLE customers (id int PRIMARY KEY, region text)", "CREATE TABLE log (msg text)");
        List<PreviewRow> join = Tx.run(url, p -> p.previewStreamTable(
                "SELECT c.region, sum(o.amount) AS revenue FROM orders o JOIN customers c ON c.id = o.customer_id"
                        + " GROUP BY c.region"));
        assertEquals(2, join.size());
        assertEquals(List.of("public.customers", "public.orders"),
                join.stream().map(PreviewRow::sourceTable).sorted().toList());
        assertEquals("DIFFERENTIAL", join.get(0).refreshMode());
        assertEquals("GROUP_RECOMPUTE", join.get(0).complexity());
        assertTrue(join.get(0).operatorTree().contains("InnerJoin"), join.get(0).operatorTree());
        String plan = join.get(0).plan();
        assertTrue(plan.startsWith("AlgebraicAggregate(1 keys)  group by: \"c.region\"; select: \"c.region\" AS \"region\", "),
                plan);
        assertTrue(plan.lines().anyMatch(l -> l.matches(" +InnerJoin  on: \\(\"c\\.id\" = \"o\\.customer_id\"\\)")), plan);
        assertTrue(plan.lines().anyMatch(l -> l.matches(" +Scan\\(public\\.orders\\)  columns: id, customer_id, amount")),
                plan);
        assertTrue(join.get(0).deltaTemplateBytes() > 0);
        assertEquals("TRIGGER", join.get(0).cdcMode());
        assertNull(join.get(0).warnings());

        PreviewRow linear = Tx.run(url, p -> p.previewStreamTable("SELECT msg FROM log WHERE msg <> ''")).get(0);
        assertEquals("LINEAR", linear.complexity());
        assertTrue(linear.warnings().contains("no primary key"), linear.warnings());

        PreviewRow full = Tx.run(url, p -> p.previewStreamTable("SELECT id, random() AS r FROM orders")).get(0);
        assertEquals("FULL", full.refreshMode());
        assertNull(full.plan());
        assertEquals("FULL_RECOMPUTE", full.complexity());
        assertEquals("NONE", full.cdcMode());
        assertEquals(0, full.deltaTemplateBytes());
        assertTrue(full.warnings().contains("random"), full.warnings());

        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM pgtrickle.pgt_stream_tables"));
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM pg_class WHERE relnamespace = 'pgtrickle_changes'::regnamespace AND relkind = 'r'"));
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal"));
            assertEquals(3, Oracle.count(c, "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"));
        }
    }
}

package io.pgtrickle.dvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.dvm.operators.AggregateCall;
import io.pgtrickle.dvm.operators.AggregateOperator;
import io.pgtrickle.dvm.operators.AlgebraicAggregateOperator;
import io.pgtrickle.dvm.operators.DeltaOperator;
import io.pgtrickle.dvm.operators.FilterOperator;
import io.pgtrickle.dvm.operators.InnerJoinOperator;
import io.pgtrickle.dvm.operators.PlanPrinter;
import io.pgtrickle.dvm.operators.ProjectOperator;
import io.pgtrickle.dvm.operators.ProjectOperator.Item;
import io.pgtrickle.dvm.operators.ScanOperator;
import io.pgtrickle.dvm.operators.UnionAllOperator;
import io.pgtrickle.sql.QualifiedName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Database-free golden tests: operator trees, built the way the translator builds them, printed as
 * plans and rendered as the SQL the catalog stores. A change to an operator's SQL shows up here
 * as a readable diff; PostgreSQL's side (that the SQL runs and is exact) is the oracle suites'.
 * Run with {@code -Dgolden.update=true} to rewrite the files after an intended change.
 */
class GoldenPlanTest {

    private static final Path DIR = Path.of("src/test/resources/golden");

    private static final SourceTable ORDERS = table(16401, "orders", List.of("id"),
            "id", "integer", "cust_id", "integer", "total", "numeric(12,2)");
    private static final SourceTable CUSTOMERS = table(16402, "customers", List.of("id"),
            "id", "integer", "region", "text");
    /** No primary key: its rows are identified by their content. */
    private static final SourceTable EDGES = table(16403, "edges", List.of(), "src", "integer", "dst", "integer");

    @Test
    void joinFilterProject() throws IOException {
        DeltaOperator o = item(new ScanOperator(ORDERS), "o");
        DeltaOperator c = item(new ScanOperator(CUSTOMERS), "c");
        DeltaOperator join = new InnerJoinOperator(o, c, "(\"c.id\" = \"o.cust_id\")");
        DeltaOperator where = new FilterOperator(join, "__pgt_q", "(\"o.total\" > 100::numeric)");
        DeltaOperator root = new ProjectOperator(where, "__pgt_p", List.of(
                new Item("\"o.id\"", "id"), new Item("\"c.region\"", "region"),
                new Item("\"o.total\"", "total")));
        check("join_filter_project", root, List.of("id", "region", "total"), true);
    }

    @Test
    void countersOfAGroupedAggregate() throws IOException {
        DeltaOperator o = item(new ScanOperator(ORDERS), "o");
        AggregateOperator agg = new AggregateOperator(o, List.of("\"o.cust_id\""), List.of(
                new Item("\"o.cust_id\"", "cust_id"), new Item("count(*)", "n"),
                new Item("sum(\"o.total\")", "revenue")), null, List.of(AggregateCall.key(),
                new AggregateCall(AggregateCall.Kind.COUNT, null, null, true),
                new AggregateCall(AggregateCall.Kind.SUM, "\"o.total\"", null, true)));
        DeltaOperator root = AlgebraicAggregateOperator.of(agg, List.of("integer", "bigint", "numeric"));
        check("counters_of_a_grouped_aggregate", root, List.of("cust_id", "n", "revenue"), true);
    }

    /** Both branches scan one table: its change-buffer read is emitted once and read twice. */
    @Test
    void identicalSubtreesAreEmittedOnce() throws IOException {
        DeltaOperator forward = new ProjectOperator(new ScanOperator(EDGES), "e",
                List.of(new Item("e.src", "a"), new Item("e.dst", "b")));
        DeltaOperator backward = new ProjectOperator(new ScanOperator(EDGES), "e",
                List.of(new Item("e.dst", "a"), new Item("e.src", "b")));
        check("identical_subtrees_once", new UnionAllOperator(forward, backward), List.of("a", "b"), false);
    }

    /** {@code rel} as the translator exposes a FROM item: its columns renamed "alias.column". */
    private static DeltaOperator item(ScanOperator scan, String alias) {
        List<Item> items = new ArrayList<>();
        for (String col : scan.source().columnNames()) {
            items.add(new Item(Sql.q(col), alias + "." + col));
        }
        return new ProjectOperator(scan, "__pgt_r", items);
    }

    private static SourceTable table(long oid, String name, List<String> key, String... namesAndTypes) {
        List<SourceTable.Column> cols = new ArrayList<>();
        for (int i = 0; i < namesAndTypes.length; i += 2) {
            cols.add(new SourceTable.Column(namesAndTypes[i], namesAndTypes[i + 1]));
        }
        return new SourceTable(oid, new QualifiedName("public", name), 'r', cols, key, true, false);
    }

    private static void check(String name, DeltaOperator root, List<String> columns, boolean hashable)
            throws IOException {
        MaintenancePlan plan = PlanBuilder.differential(root, columns, columns.stream().map(c -> hashable).toList());
        String actual = "-- plan\n" + PlanPrinter.print(root) + "\n-- full\n" + plan.fullSql()
                + "\n\n-- delta\n" + plan.deltaSql() + "\n";
        Path file = DIR.resolve(name + ".sql");
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(file, actual, StandardCharsets.UTF_8);
        }
        assertTrue(Files.exists(file), "no golden file " + file + " (write it with -Dgolden.update=true)");
        assertEquals(Files.readString(file, StandardCharsets.UTF_8), actual, "golden file " + file
                + " (rewrite with -Dgolden.update=true after an intended change)");
    }
}

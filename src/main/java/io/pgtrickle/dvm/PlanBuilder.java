package io.pgtrickle.dvm;

import io.pgtrickle.catalog.RowIdentity;
import io.pgtrickle.dvm.operators.AlgebraicAggregateOperator;
import io.pgtrickle.dvm.operators.DeltaOperator;
import java.util.ArrayList;
import java.util.List;

/** Walks an operator tree bottom-up and wraps the root's result into storage-ready SQL. */
public final class PlanBuilder {

    private PlanBuilder() {
    }

    /**
     * The operator's result, each of its statements starting on a new line with a comment naming
     * the operator, so a DBA reading the stored SQL (explain_refresh) sees which operator produced
     * which subquery.
     */
    public static DiffResult generate(DeltaOperator op, DiffContext ctx) {
        List<DiffResult> inputs = new ArrayList<>();
        for (DeltaOperator child : op.children()) {
            inputs.add(generate(child, ctx));
        }
        DiffResult r = op.generateDelta(ctx, inputs);
        // a name in the description must not end (or nest) the comment
        String tag = "\n/* " + op.describe().replace("*/", "* /").replace("/*", "/ *") + " */ ";
        return new DiffResult(tag + r.currentSql(), r.deltaSql() == null ? null : ctx.shareDelta(tag + r.deltaSql()),
                r.columns(), r.keyed());
    }

    /**
     * @param hashable per query column, whether its type has an extended hash function
     *                 ({@code pgtrickle._hashable}); used to identify the rows of a keyless result
     */
    public static MaintenancePlan differential(DeltaOperator root, List<String> queryColumns, List<Boolean> hashable) {
        DiffContext ctx = new DiffContext();
        DiffResult r = generate(root, ctx);
        // an algebraic aggregate keeps counters in hidden columns, and its delta is consolidated already
        boolean counters = root instanceof AlgebraicAggregateOperator;
        List<SourceTable.Column> hidden = counters ? ((AlgebraicAggregateOperator) root).hiddenColumns() : List.of();
        List<String> outputColumns = new ArrayList<>(queryColumns);
        hidden.forEach(c -> outputColumns.add(c.name()));
        String rowId = MaintenancePlan.STORAGE_ROW_ID;
        String w = DiffResult.WEIGHT;
        String cols = Sql.columns("r", outputColumns);
        if (r.keyed()) {
            String full = "SELECT " + cols + ", r." + DiffResult.ROW_ID + " AS " + rowId
                    + " FROM (" + r.currentSql() + ") r";
            String leftOut = ctx.leftOutSql();
            String delta = ctx.sharedDeltas() + "SELECT " + cols + ", r." + DiffResult.ROW_ID + " AS " + rowId + ", r." + w
                    + (leftOut == null ? "" : ", r." + DiffContext.LEFT_OUT_FLAG) + " FROM (" + r.deltaSql() + ") r";
            if (leftOut != null) {
                leftOut = SqlLayout.indent("SELECT " + cols + ", r." + DiffResult.ROW_ID + " AS " + rowId
                        + " FROM (" + leftOut + ") r");
            }
            return new MaintenancePlan(RowIdentity.KEYED, List.copyOf(outputColumns), SqlLayout.indent(full),
                    SqlLayout.indent(delta), hidden, counters, leftOut);
        }
        // a row is identified by its content, hashed by each type's own equality (text where a type has none)
        List<String> operands = new ArrayList<>();
        for (int i = 0; i < outputColumns.size(); i++) {
            String c = "r." + Sql.q(outputColumns.get(i));
            operands.add(hashable.get(i) ? c : c + "::text");
        }
        String content = ZSet.hash(operands);
        String full = "SELECT " + cols + ", " + MaintenancePlan.multisetRowId(content, "row_number() OVER (PARTITION BY "
                + content + ")") + " AS " + rowId + ", " + content + " AS " + MaintenancePlan.STORAGE_HASH
                + " FROM (" + r.currentSql() + ") r";
        String delta = ctx.sharedDeltas() + "SELECT " + cols + ", " + content + " AS " + MaintenancePlan.STORAGE_HASH
                + ", r." + w + " FROM (" + r.deltaSql() + ") r";
        return new MaintenancePlan(RowIdentity.MULTISET, outputColumns, SqlLayout.indent(full), SqlLayout.indent(delta));
    }

    /** A FULL-only table: the user's query as is (its rows need no identity: none is ever merged). */
    public static MaintenancePlan fullOnly(String query, List<String> outputColumns) {
        String full = "SELECT " + Sql.columns("q", outputColumns) + " FROM (" + query + "\n) q";
        return new MaintenancePlan(RowIdentity.NONE, outputColumns, full, null);
    }
}

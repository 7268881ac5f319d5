package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.Sql;
import java.util.List;

/**
 * A reference to a (non-recursive) common table expression: the CTE's body, translated on its
 * own, seen under the CTE's column names. Each reference is maintained independently.
 */
public final class CteOperator implements DeltaOperator {

    private final DeltaOperator body;
    private final String name;
    private final List<String> columns;

    public CteOperator(DeltaOperator body, String name, List<String> columns) {
        this.body = body;
        this.name = name;
        this.columns = List.copyOf(columns);
    }

    @Override
    public List<DeltaOperator> children() {
        return List.of(body);
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        DiffResult b = in.get(0);
        String cols = io.pgtrickle.dvm.ZSet.renamed("x", b.columns(), columns);
        String rid = "x." + DiffResult.ROW_ID;
        return new DiffResult("SELECT " + cols + ", " + rid + " FROM (" + b.currentSql() + ") x",
                "SELECT " + cols + ", " + rid + ", x." + DiffResult.WEIGHT + " FROM (" + b.deltaSql() + ") x",
                columns, b.keyed());
    }

    @Override
    public boolean isMonotone() {
        return true;
    }

    @Override
    public String detail() {
        return PlanPrinter.detail("columns", String.join(", ", columns));
    }

    @Override
    public String describe() {
        return "Cte(" + Sql.q(name) + ")";
    }
}

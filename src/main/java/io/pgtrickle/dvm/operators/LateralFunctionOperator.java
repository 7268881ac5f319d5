package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.Sql;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code FROM l, LATERAL f(l.x) AS a(c…)} for an immutable set-returning function of the left
 * row only (UNNEST): linear, each changed left row expands to its function rows.
 */
public final class LateralFunctionOperator implements DeltaOperator {

    private final DeltaOperator left;
    private final String call;
    private final List<String> columns;

    /**
     * @param call    the function call rewritten to the left input's column names
     * @param columns generated names of the function's output columns
     */
    public LateralFunctionOperator(DeltaOperator left, String call, List<String> columns) {
        this.left = left;
        this.call = call;
        this.columns = List.copyOf(columns);
    }

    @Override
    public List<DeltaOperator> children() {
        return List.of(left);
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        DiffResult l = in.get(0);
        List<String> fcols = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            fcols.add("__pgt_f" + i);
        }
        StringBuilder sel = new StringBuilder(Sql.columns("l", l.columns()));
        for (int i = 0; i < columns.size(); i++) {
            sel.append(", f.").append(fcols.get(i)).append(" AS ").append(Sql.q(columns.get(i)));
        }
        String fn = " CROSS JOIN LATERAL " + call + " AS f(" + String.join(", ", fcols) + ")";
        List<String> out = new ArrayList<>(l.columns());
        out.addAll(columns);
        return new DiffResult("SELECT " + sel + ", NULL::bigint AS " + DiffResult.ROW_ID + " FROM (" + l.currentSql()
                + ") l" + fn,
                "SELECT " + sel + ", NULL::bigint AS " + DiffResult.ROW_ID + ", l." + DiffResult.WEIGHT + " FROM ("
                        + l.deltaSql() + ") l" + fn, out, false);
    }

    @Override
    public boolean isMonotone() {
        return true;
    }

    @Override
    public String detail() {
        return PlanPrinter.detail("call", call, "columns", String.join(", ", columns));
    }

    @Override
    public String describe() {
        return "LateralFunction";
    }
}

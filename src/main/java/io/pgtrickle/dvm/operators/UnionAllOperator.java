package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.ZSet;
import java.util.List;

/** UNION ALL: linear, the deltas side by side; keyed when both inputs are (row id tagged by branch). */
public final class UnionAllOperator extends TwoInputOperator {

    public UnionAllOperator(DeltaOperator left, DeltaOperator right) {
        super(left, right);
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        boolean keyed = in.get(0).keyed() && in.get(1).keyed();
        List<String> names = in.get(0).columns();
        StringBuilder current = new StringBuilder();
        StringBuilder delta = new StringBuilder();
        for (int i = 0; i < 2; i++) {
            DiffResult r = in.get(i);
            String rid = keyed ? "pg_catalog.hashtextextended(" + i + " || ':' || x." + DiffResult.ROW_ID + "::text, 3)"
                    : "NULL::bigint";
            String sep = i == 0 ? "" : " UNION ALL ";
            current.append(sep).append("SELECT ").append(ZSet.renamed("x", r.columns(), names)).append(", ")
                    .append(rid).append(" AS ").append(DiffResult.ROW_ID).append(" FROM (").append(r.currentSql())
                    .append(") x");
            delta.append(sep).append("SELECT ").append(ZSet.renamed("x", r.columns(), names)).append(", ")
                    .append(rid).append(" AS ").append(DiffResult.ROW_ID).append(", x.").append(DiffResult.WEIGHT)
                    .append(" FROM (").append(r.deltaSql()).append(") x");
        }
        return new DiffResult(current.toString(), delta.toString(), names, keyed);
    }

    @Override
    public boolean isMonotone() {
        return true;
    }

    @Override
    public String describe() {
        return "UnionAll";
    }
}

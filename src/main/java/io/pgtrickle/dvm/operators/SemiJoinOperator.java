package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.JoinSql;
import io.pgtrickle.dvm.Sql;
import java.util.List;

/**
 * {@code WHERE EXISTS (subquery)} / {@code x IN (subquery)}: the rows of L with a match in R.
 * A row's status changes only when it is in ΔL or matches a row of ΔR, and only those are re-checked.
 */
public final class SemiJoinOperator implements DeltaOperator {

    private final DeltaOperator left;
    private final DeltaOperator right;
    private final String condition;

    public SemiJoinOperator(DeltaOperator left, DeltaOperator right, String condition) {
        this.left = left;
        this.right = right;
        this.condition = condition;
    }

    @Override
    public List<DeltaOperator> children() {
        return List.of(left, right);
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        DiffResult l = in.get(0);
        DiffResult r = in.get(1);
        String current = "SELECT " + Sql.columns("p", l.columns()) + ", p." + DiffResult.ROW_ID + " FROM ("
                + l.currentSql() + ") p WHERE EXISTS (SELECT 1 FROM (" + r.currentSql() + ") r WHERE (" + condition
                + "))";
        String delta = JoinSql.existenceDelta(l, r, condition, true, Sql.columns("p", l.columns()),
                "p." + DiffResult.ROW_ID);
        return new DiffResult(current, delta, l.columns(), l.keyed());
    }

    @Override
    public String describe() {
        return "SemiJoin";
    }
}

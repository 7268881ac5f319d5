package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.JoinSql;
import io.pgtrickle.dvm.Sql;
import java.util.List;

/**
 * {@code WHERE NOT EXISTS (subquery)} / {@code x NOT IN (subquery)}: the rows of L without a match in R
 * (NOT IN arrives as the condition {@code (x = y) IS NOT FALSE}, which is its NULL semantics).
 * A row's status changes only when it is in ΔL or matches a row of ΔR, and only those are re-checked.
 */
public final class AntiJoinOperator implements DeltaOperator {

    private final DeltaOperator left;
    private final DeltaOperator right;
    private final String condition;

    public AntiJoinOperator(DeltaOperator left, DeltaOperator right, String condition) {
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
                + l.currentSql() + ") p WHERE NOT EXISTS (SELECT 1 FROM (" + r.currentSql() + ") r WHERE (" + condition
                + "))";
        String delta = JoinSql.existenceDelta(l, r, condition, false, Sql.columns("p", l.columns()),
                "p." + DiffResult.ROW_ID);
        return new DiffResult(current, delta, l.columns(), l.keyed());
    }

    @Override
    public String describe() {
        return "AntiJoin";
    }
}

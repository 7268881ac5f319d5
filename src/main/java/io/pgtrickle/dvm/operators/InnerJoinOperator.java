package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.JoinSql;
import java.util.List;

/** {@code L JOIN R ON cond}: Δ = ΔL⋈R_old + L_new⋈ΔR; keyed when both inputs are. */
public final class InnerJoinOperator implements DeltaOperator {

    private final DeltaOperator left;
    private final DeltaOperator right;
    private final String condition;

    /** @param condition the user's ON condition rewritten to the inputs' column names */
    public InnerJoinOperator(DeltaOperator left, DeltaOperator right, String condition) {
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
        boolean keyed = l.keyed() && r.keyed();
        return new DiffResult(JoinSql.innerCurrent(l, r, condition, keyed), JoinSql.innerDelta(l, r, condition, keyed),
                JoinSql.columns(l, r), keyed);
    }

    @Override
    public boolean isMonotone() {
        return true;
    }

    @Override
    public String describe() {
        return "InnerJoin";
    }
}

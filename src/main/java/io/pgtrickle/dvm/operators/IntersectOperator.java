package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import java.util.List;

/** INTERSECT [ALL]: min(n_left, n_right) copies (ALL) or one copy when both are positive. */
public final class IntersectOperator implements DeltaOperator {

    private final DeltaOperator left;
    private final DeltaOperator right;
    private final boolean all;

    public IntersectOperator(DeltaOperator left, DeltaOperator right, boolean all) {
        this.left = left;
        this.right = right;
        this.all = all;
    }

    @Override
    public List<DeltaOperator> children() {
        return List.of(left, right);
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        String delta = Counting.delta(ctx, in, n -> all ? "least(" + n.get(0) + ", " + n.get(1) + ")"
                : "(" + Counting.positive(n.get(0)) + ") * (" + Counting.positive(n.get(1)) + ")", !all);
        return new DiffResult(Counting.current(in, all ? "INTERSECT ALL" : "INTERSECT", !all), delta,
                in.get(0).columns(), !all);
    }

    @Override
    public String describe() {
        return "Intersect";
    }
}

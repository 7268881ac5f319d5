package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import java.util.List;

/** INTERSECT [ALL]: min(n_left, n_right) copies (ALL) or one copy when both are positive. */
public final class IntersectOperator extends TwoInputOperator {

    private final boolean all;

    public IntersectOperator(DeltaOperator left, DeltaOperator right, boolean all) {
        super(left, right);
        this.all = all;
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        if (all) {
            return Counting.result(ctx, in, "INTERSECT ALL", n -> "least(" + n.get(0) + ", " + n.get(1) + ")", false);
        }
        return Counting.result(ctx, in, "INTERSECT",
                n -> "(" + Counting.positive(n.get(0)) + ") * (" + Counting.positive(n.get(1)) + ")", true);
    }

    @Override
    public String detail() {
        return all ? "ALL" : "";
    }

    @Override
    public String describe() {
        return "Intersect";
    }
}

package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import java.util.List;

/** EXCEPT [ALL]: max(n_left − n_right, 0) copies (ALL) or one copy when only the left has the row. */
public final class ExceptOperator extends TwoInputOperator {

    private final boolean all;

    public ExceptOperator(DeltaOperator left, DeltaOperator right, boolean all) {
        super(left, right);
        this.all = all;
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        if (all) {
            return Counting.result(ctx, in, "EXCEPT ALL", n -> "greatest(" + n.get(0) + " - " + n.get(1) + ", 0)",
                    false);
        }
        return Counting.result(ctx, in, "EXCEPT",
                n -> "(" + Counting.positive(n.get(0)) + ") * (1 - " + Counting.positive(n.get(1)) + ")", true);
    }

    @Override
    public String detail() {
        return all ? "ALL" : "";
    }

    @Override
    public String describe() {
        return "Except";
    }
}

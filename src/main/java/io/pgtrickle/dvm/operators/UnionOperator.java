package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import java.util.List;

/** UNION: a row is present while its count over both inputs is positive; keyed by content hash. */
public final class UnionOperator extends TwoInputOperator {

    public UnionOperator(DeltaOperator left, DeltaOperator right) {
        super(left, right);
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        return Counting.result(ctx, in, "UNION", n -> Counting.positive(n.get(0) + " + " + n.get(1)), true);
    }

    @Override
    public String describe() {
        return "Union";
    }
}

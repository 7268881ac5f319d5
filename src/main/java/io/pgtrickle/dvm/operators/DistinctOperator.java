package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import java.util.List;

/** SELECT DISTINCT: a row is present while its count in the input is positive; keyed by content hash. */
public final class DistinctOperator extends OneInputOperator {

    public DistinctOperator(DeltaOperator child) {
        super(child);
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        return Counting.result(ctx, in, "UNION", n -> Counting.positive(n.get(0)), true);
    }

    @Override
    public String describe() {
        return "Distinct";
    }
}

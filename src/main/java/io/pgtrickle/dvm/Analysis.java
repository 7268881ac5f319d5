package io.pgtrickle.dvm;

import io.pgtrickle.dvm.operators.DeltaOperator;
import java.util.List;

/**
 * The outcome of analysing a defining query: either an operator tree, or the reason the query
 * can only be maintained by FULL refresh.
 */
public record Analysis(DeltaOperator root, String unsupportedReason, List<SourceTable> sources) {

    public boolean isDifferentiable() {
        return root != null;
    }

    public static Analysis unsupported(String reason) {
        return new Analysis(null, reason, List.of());
    }
}

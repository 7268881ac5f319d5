package io.pgtrickle.dvm;

import io.pgtrickle.dvm.operators.AggregateOperator;
import io.pgtrickle.dvm.operators.AlgebraicAggregateOperator;
import io.pgtrickle.dvm.operators.DeltaOperator;
import io.pgtrickle.dvm.operators.FilterOperator;
import io.pgtrickle.dvm.operators.ProjectOperator;
import io.pgtrickle.dvm.operators.ScanOperator;
import io.pgtrickle.dvm.operators.StreamTableScanOperator;
import io.pgtrickle.dvm.operators.TopKOperator;
import io.pgtrickle.dvm.operators.UnionAllOperator;
import io.pgtrickle.dvm.operators.WindowOperator;

/**
 * What a differential refresh of an operator tree costs, in terms a DBA can plan with: the most
 * expensive operator decides.
 */
public enum ComplexityClass {
    /** Work proportional to the changed rows (scan, filter, project, UNION ALL, COUNT / integer SUM counters). */
    LINEAR,
    /** Changed rows times the matching rows of the other inputs (joins, semi/anti joins, set operations). */
    JOIN,
    /** Every row of each touched group is read again (aggregates, DISTINCT; MIN / MAX / numeric SUM only when an extreme is deleted). */
    GROUP_RECOMPUTE,
    /** Whole touched partitions, or the whole ordered input, are recomputed (window, TopK). */
    PARTITION_RECOMPUTE,
    /** The query is recomputed from scratch on every refresh. */
    FULL_RECOMPUTE;

    public static ComplexityClass of(DeltaOperator root) {
        if (root == null) {
            return FULL_RECOMPUTE;
        }
        ComplexityClass worst = own(root);
        for (DeltaOperator child : root.children()) {
            ComplexityClass c = of(child);
            if (c.ordinal() > worst.ordinal()) {
                worst = c;
            }
        }
        return worst;
    }

    private static ComplexityClass own(DeltaOperator op) {
        if (op instanceof ScanOperator || op instanceof StreamTableScanOperator || op instanceof FilterOperator
                || op instanceof ProjectOperator || op instanceof UnionAllOperator) {
            return LINEAR;
        }
        if (op instanceof WindowOperator || op instanceof TopKOperator) {
            return PARTITION_RECOMPUTE;
        }
        if (op instanceof AlgebraicAggregateOperator a) {
            return a.mayRescan() ? GROUP_RECOMPUTE : LINEAR;
        }
        if (op instanceof AggregateOperator || op.describe().startsWith("Distinct")) {
            return GROUP_RECOMPUTE;
        }
        return JOIN;
    }

    /** The tree as text, children in brackets: Project(2)[Filter[Scan(public.orders)]]. */
    public static String render(DeltaOperator op) {
        if (op.children().isEmpty()) {
            return op.describe();
        }
        StringBuilder b = new StringBuilder(op.describe()).append('[');
        for (int i = 0; i < op.children().size(); i++) {
            b.append(i == 0 ? "" : ", ").append(render(op.children().get(i)));
        }
        return b.append(']').toString();
    }
}

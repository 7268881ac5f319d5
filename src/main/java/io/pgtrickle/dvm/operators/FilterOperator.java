package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import java.util.List;

/** WHERE: linear, so the delta is the predicate applied to the child's delta. */
public final class FilterOperator extends OneInputOperator {

    private final String alias;
    private final String predicate;

    /**
     * @param alias     the name the predicate uses for the child's rows (the FROM alias)
     * @param predicate the user's predicate text, unchanged
     */
    public FilterOperator(DeltaOperator child, String alias, String predicate) {
        super(child);
        this.alias = alias;
        this.predicate = predicate;
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        DiffResult c = in.get(0);
        return new DiffResult(wrap(c.currentSql()), wrap(c.deltaSql()), c.columns(), c.keyed());
    }

    private String wrap(String sql) {
        return "SELECT * FROM (" + sql + ") AS " + alias + " WHERE (" + predicate + ")";
    }

    @Override
    public boolean supportsImmediateMode() {
        return true;
    }

    @Override
    public boolean isMonotone() {
        return true;
    }

    @Override
    public String detail() {
        return PlanPrinter.detail("where", predicate);
    }

    @Override
    public String describe() {
        return "Filter";
    }
}

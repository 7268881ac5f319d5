package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.Sql;
import io.pgtrickle.dvm.ZSet;
import java.util.List;

/**
 * GROUP BY (or a global aggregate) with its SELECT list and HAVING, maintained by touched-group
 * recompute: for every group key in the input delta, −1 for the group's row computed from the
 * input's OLD state and +1 for the row computed from its current state. Correct for every
 * aggregate (COUNT, SUM, AVG, MIN, MAX, COUNT(DISTINCT), string_agg, FILTER, …); a group whose
 * rows are all gone simply produces no new row. Output is keyed by a hash of the group key.
 * A top-level aggregate whose items are all algebraic ({@link #calls()}) is maintained by
 * {@link AlgebraicAggregateOperator} instead.
 */
public final class AggregateOperator extends OneInputOperator {

    private final List<String> groupBy;
    private final List<ProjectOperator.Item> items;
    private final String having;
    private final List<AggregateCall> calls;
    private final CounterHaving counterHaving;

    public AggregateOperator(DeltaOperator child, List<String> groupBy, List<ProjectOperator.Item> items,
                             String having, List<AggregateCall> calls) {
        this(child, groupBy, items, having, calls, null);
    }

    /**
     * @param groupBy rewritten GROUP BY expressions (empty: one global group)
     * @param items   rewritten SELECT list
     * @param having  rewritten HAVING condition or null
     * @param calls   the items as algebraic calls, or null when some item is not algebraic
     * @param counterHaving the HAVING over the items' values, or null when it can only be evaluated
     *                over the input rows (then the aggregate is never algebraic)
     */
    public AggregateOperator(DeltaOperator child, List<String> groupBy, List<ProjectOperator.Item> items,
                             String having, List<AggregateCall> calls, CounterHaving counterHaving) {
        super(child);
        this.groupBy = List.copyOf(groupBy);
        this.items = List.copyOf(items);
        this.having = having;
        this.calls = calls == null ? null : List.copyOf(calls);
        this.counterHaving = counterHaving;
    }

    List<String> groupBy() {
        return groupBy;
    }

    List<ProjectOperator.Item> items() {
        return items;
    }

    /** The SELECT list as algebraic calls, or null (some item is not algebraic, or HAVING reads the input rows). */
    List<AggregateCall> calls() {
        return having == null || counterHaving != null ? calls : null;
    }

    /** HAVING over the input rows, or null. */
    String having() {
        return having;
    }

    /** HAVING over the items' values, or null. */
    CounterHaving counterHaving() {
        return counterHaving;
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        DiffResult c = in.get(0);
        String key = groupBy.isEmpty() ? "0::bigint" : ZSet.hash(groupBy);
        String touched = ZSet.touchedGroups(c, groupBy);
        String current = aggregate("(" + c.currentSql() + ")", key, null, null);
        String delta = aggregate("(" + c.currentSql() + ")", key, touched, "1") + " UNION ALL "
                + aggregate("(" + ZSet.oldRows(c, touched) + ")", key, null, "-1");
        List<String> names = items.stream().map(ProjectOperator.Item::name).toList();
        return new DiffResult(current, delta, names, true);
    }

    private String aggregate(String from, String key, String where, String weight) {
        StringBuilder b = new StringBuilder("SELECT ");
        for (ProjectOperator.Item item : items) {
            b.append(item.expression()).append(" AS ").append(Sql.q(item.name())).append(", ");
        }
        b.append(key).append(" AS ").append(DiffResult.ROW_ID);
        if (weight != null) {
            b.append(", ").append(weight).append(" AS ").append(DiffResult.WEIGHT);
        }
        b.append(" FROM ").append(from).append(" g");
        if (where != null) {
            b.append(" WHERE ").append(where);
        }
        if (!groupBy.isEmpty()) {
            b.append(" GROUP BY ").append(String.join(", ", groupBy));
        }
        if (having != null) {
            b.append(" HAVING ").append(having);
        }
        return b.toString();
    }

    @Override
    public String detail() {
        return detail(groupBy, items, having);
    }

    /** A GROUP BY block's parameters, as both aggregate operators print them. */
    static String detail(List<String> groupBy, List<ProjectOperator.Item> items, String having) {
        return PlanPrinter.detail("group by", String.join(", ", groupBy), "select", ProjectOperator.list(items),
                "having", having);
    }

    @Override
    public String describe() {
        return "Aggregate(" + groupBy.size() + " keys)";
    }
}

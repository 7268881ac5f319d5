package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.Sql;
import io.pgtrickle.dvm.ZSet;
import java.util.List;

/**
 * A SELECT list with window functions that all share one PARTITION BY: every partition with a
 * changed input row is recomputed, −1 for its rows over the OLD input and +1 over the current
 * input (no PARTITION BY: the whole input is one partition). Output is a multiset.
 */
public final class WindowOperator extends OneInputOperator {

    private final List<String> partitionBy;
    private final List<ProjectOperator.Item> items;

    public WindowOperator(DeltaOperator child, List<String> partitionBy, List<ProjectOperator.Item> items) {
        super(child);
        this.partitionBy = List.copyOf(partitionBy);
        this.items = List.copyOf(items);
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        DiffResult c = in.get(0);
        String touched = ZSet.touchedGroups(c, partitionBy);
        String current = select("(" + c.currentSql() + ")", null, null);
        String delta = select("(" + c.currentSql() + ")", touched, "1") + " UNION ALL "
                + select("(" + ZSet.oldRows(c, touched) + ")", null, "-1");
        return new DiffResult(current, delta, items.stream().map(ProjectOperator.Item::name).toList(), false);
    }

    private String select(String from, String where, String weight) {
        StringBuilder b = new StringBuilder("SELECT ");
        for (ProjectOperator.Item item : items) {
            b.append(item.expression()).append(" AS ").append(Sql.q(item.name())).append(", ");
        }
        b.append("NULL::bigint AS ").append(DiffResult.ROW_ID);
        if (weight != null) {
            b.append(", ").append(weight).append(" AS ").append(DiffResult.WEIGHT);
        }
        b.append(" FROM ").append(from).append(" s");
        if (where != null) {
            b.append(" WHERE ").append(where);
        }
        return b.toString();
    }

    @Override
    public String describe() {
        return "Window(" + partitionBy.size() + " partition keys)";
    }
}

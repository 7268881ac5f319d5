package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.Sql;
import io.pgtrickle.dvm.ZSet;
import java.util.ArrayList;
import java.util.List;

/**
 * A SELECT list with window functions. With one PARTITION BY: every partition with a changed
 * input row is recomputed, −1 for its rows over the OLD input and +1 over the current input (no
 * PARTITION BY: the whole input is one partition). With several: the rows to recompute are those
 * in a touched partition of any of them, and each window function needs its whole partition of
 * those rows, so the functions are evaluated over every partition (of every list) that holds such
 * a row and the result is cut back to the rows recomputed. Output is a multiset.
 */
public final class WindowOperator extends OneInputOperator {

    private final List<List<String>> partitionLists;
    private final List<ProjectOperator.Item> items;

    /** @param partitionLists the distinct PARTITION BY lists of the window functions */
    public WindowOperator(DeltaOperator child, List<ProjectOperator.Item> items, List<List<String>> partitionLists) {
        super(child);
        this.partitionLists = partitionLists.stream().map(List::copyOf).toList();
        this.items = List.copyOf(items);
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        DiffResult c = in.get(0);
        List<String> names = items.stream().map(ProjectOperator.Item::name).toList();
        String current = select("(" + c.currentSql() + ")", null, null);
        if (partitionLists.size() == 1) {
            String touched = ZSet.touchedGroups(c, partitionLists.get(0));
            String delta = select("(" + c.currentSql() + ")", touched, "1") + " UNION ALL "
                    + select("(" + ZSet.oldRows(c, touched) + ")", null, "-1");
            return new DiffResult(current, delta, names, false);
        }
        List<String> touchedAny = new ArrayList<>();
        for (List<String> keys : partitionLists) {
            touchedAny.add(ZSet.touchedGroups(c, keys));
        }
        String touched = "(" + String.join(" OR ", touchedAny) + ")";
        String now = "(SELECT * FROM (" + c.currentSql() + ") s WHERE " + partitionsOf(c.currentSql(), touched) + ")";
        String oldTouched = ZSet.oldRows(c, touched);
        String before = "(" + ZSet.oldRows(c, partitionsOf(oldTouched, touched)) + ")";
        String delta = recomputed(now, touched, "1", names) + " UNION ALL " + recomputed(before, touched, "-1", names);
        return new DiffResult(current, delta, names, false);
    }

    /** Rows of an input in a partition, of any list, that holds a row of {@code state} satisfying {@code filter}. */
    private String partitionsOf(String state, String filter) {
        List<String> any = new ArrayList<>();
        for (List<String> keys : partitionLists) {
            String key = keys.isEmpty() ? "0" : ZSet.hash(keys);
            any.add(key + " IN (SELECT " + key + " FROM (" + state + ") s WHERE " + filter + ")");
        }
        return "(" + String.join(" OR ", any) + ")";
    }

    /** The window results over {@code from}, kept for the rows that satisfy {@code touched}. */
    private String recomputed(String from, String touched, String weight, List<String> names) {
        StringBuilder b = new StringBuilder("SELECT ");
        for (ProjectOperator.Item item : items) {
            b.append(item.expression()).append(" AS ").append(Sql.q(item.name())).append(", ");
        }
        b.append(touched).append(" AS __pgt_touched FROM ").append(from).append(" s");
        return "SELECT " + Sql.columns("w", names) + ", NULL::bigint AS " + DiffResult.ROW_ID + ", " + weight + " AS "
                + DiffResult.WEIGHT + " FROM (" + b + ") w WHERE w.__pgt_touched";
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
    public String detail() {
        return PlanPrinter.detail("select", ProjectOperator.list(items), "partitions", partitionLists.toString());
    }

    @Override
    public String describe() {
        return "Window(" + partitionLists.stream().map(l -> String.valueOf(l.size())).reduce((a, b) -> a + "/" + b)
                .orElse("0") + " partition keys)";
    }
}

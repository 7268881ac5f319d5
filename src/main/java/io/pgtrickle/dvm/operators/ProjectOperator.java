package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.Sql;
import java.util.ArrayList;
import java.util.List;

/** SELECT list: linear; each output column is the user's expression text, renamed. */
public final class ProjectOperator extends OneInputOperator {

    /** One output column: PostgreSQL expression text and the output name. */
    public record Item(String expression, String name) {
    }

    /** The items as a SELECT list reads: {@code expression AS "name", …}. */
    static String list(List<Item> items) {
        return String.join(", ", items.stream().map(i -> i.expression() + " AS " + Sql.q(i.name())).toList());
    }

    private final String alias;
    private final List<Item> items;

    public ProjectOperator(DeltaOperator child, String alias, List<Item> items) {
        super(child);
        this.alias = alias;
        this.items = List.copyOf(items);
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        DiffResult c = in.get(0);
        List<String> names = new ArrayList<>();
        StringBuilder list = new StringBuilder();
        for (Item item : items) {
            list.append(item.expression()).append(" AS ").append(Sql.q(item.name())).append(", ");
            names.add(item.name());
        }
        String current = "SELECT " + list + alias + "." + DiffResult.ROW_ID
                + " FROM (" + c.currentSql() + ") AS " + alias;
        String delta = "SELECT " + list + alias + "." + DiffResult.ROW_ID + ", " + alias + "." + DiffResult.WEIGHT
                + " FROM (" + c.deltaSql() + ") AS " + alias;
        return new DiffResult(current, delta, names, c.keyed());
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
        return PlanPrinter.detail("select", list(items));
    }

    @Override
    public String describe() {
        return "Project(" + items.size() + ")";
    }
}

package io.pgtrickle.dvm.operators;

import java.util.ArrayList;
import java.util.List;

/**
 * An operator tree as an indented plan, one operator per line with its parameters, children
 * below it: what {@code preview_stream_table} shows and what the golden tests pin. Expressions are
 * the PostgreSQL text the operators generate SQL from, on one line.
 *
 * <pre>
 * Filter  where: (o.total &gt; 100)
 *   InnerJoin  on: (c.id = o.cust_id)
 *     Scan(public.orders)  columns: id, cust_id, total
 *     Scan(public.customers)  columns: id, name
 * </pre>
 */
public final class PlanPrinter {

    private PlanPrinter() {
    }

    public static String print(DeltaOperator root) {
        StringBuilder b = new StringBuilder();
        print(root, 0, b);
        return b.toString();
    }

    private static void print(DeltaOperator op, int depth, StringBuilder b) {
        b.append("  ".repeat(depth)).append(op.describe());
        String detail = oneLine(op.detail());
        if (!detail.isEmpty()) {
            b.append("  ").append(detail);
        }
        b.append('\n');
        for (DeltaOperator child : op.children()) {
            print(child, depth + 1, b);
        }
    }

    /**
     * Labelled parameters, {@code label: value} joined by "; ", leaving out absent (null or empty)
     * values: {@code detail("on", cond, "as", col)}.
     */
    static String detail(String... labelsAndValues) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < labelsAndValues.length; i += 2) {
            String value = labelsAndValues[i + 1];
            if (value != null && !value.isBlank()) {
                parts.add(labelsAndValues[i] + ": " + value);
            }
        }
        return String.join("; ", parts);
    }

    /** Line breaks the generators put between tokens, and the indentation after them, as one space. */
    private static String oneLine(String text) {
        return text.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}

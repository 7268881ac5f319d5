package io.pgtrickle.dvm.operators;

import java.util.List;

/**
 * A HAVING that an algebraic aggregate evaluates over a group's new values instead of over its
 * input rows.
 *
 * @param condition PostgreSQL text over the aggregate's output columns and {@code items}, by name
 * @param items     the calls HAVING makes that the SELECT list does not, as hidden items
 *                  ({@code __pgt_h1}, …) over the aggregate's input
 * @param calls     those items as algebraic calls
 * @param types     their result types, as PostgreSQL formats them
 */
public record CounterHaving(String condition, List<ProjectOperator.Item> items, List<AggregateCall> calls,
                            List<String> types) {

    public CounterHaving {
        items = List.copyOf(items);
        calls = List.copyOf(calls);
        types = List.copyOf(types);
    }
}

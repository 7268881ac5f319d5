package io.pgtrickle.frontend;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * GROUP BY GROUPING SETS / ROLLUP / CUBE, as PostgreSQL's analysed query keeps them (GroupingSet
 * nodes over sort-group references), expanded into the plain groupings they stand for, in the
 * planner's way: the items of a GROUP BY list multiply, ROLLUP (a, b) is (a, b), (a), (), CUBE is
 * every subset, GROUPING SETS is the concatenation of its members. Duplicates are kept (as
 * PostgreSQL keeps them) unless GROUP BY DISTINCT.
 */
final class GroupingSets {

    private static final int EMPTY = 0;
    private static final int SIMPLE = 1;
    private static final int ROLLUP = 2;
    private static final int CUBE = 3;

    private GroupingSets() {
    }

    /** Each grouping as the sort-group references of its keys. */
    static List<List<Long>> expand(List<PgNode> groupingSets, boolean distinct) {
        List<List<Long>> result = List.of(List.of());
        for (PgNode item : groupingSets) {
            List<List<Long>> product = new ArrayList<>();
            for (List<Long> left : result) {
                for (List<Long> right : sets(item)) {
                    LinkedHashSet<Long> both = new LinkedHashSet<>(left);
                    both.addAll(right);
                    product.add(List.copyOf(both));
                }
            }
            result = product;
        }
        if (!distinct) {
            return result;
        }
        List<List<Long>> unique = new ArrayList<>();
        for (List<Long> set : result) {
            if (unique.stream().noneMatch(u -> u.size() == set.size() && u.containsAll(set))) {
                unique.add(set);
            }
        }
        return unique;
    }

    private static List<List<Long>> sets(PgNode gs) {
        int kind = gs.integer("kind");
        List<List<Long>> out = new ArrayList<>();
        switch (kind) {
            case EMPTY -> out.add(List.of());
            case SIMPLE -> out.add(refs(gs));
            case ROLLUP -> {
                List<PgNode> parts = gs.nodes("content");
                for (int n = parts.size(); n >= 0; n--) {
                    List<Long> set = new ArrayList<>();
                    for (PgNode p : parts.subList(0, n)) {
                        set.addAll(refs(p));
                    }
                    out.add(set);
                }
            }
            case CUBE -> {
                List<PgNode> parts = gs.nodes("content");
                for (int mask = (1 << parts.size()) - 1; mask >= 0; mask--) {
                    List<Long> set = new ArrayList<>();
                    for (int i = 0; i < parts.size(); i++) {
                        if ((mask & (1 << (parts.size() - 1 - i))) != 0) {
                            set.addAll(refs(parts.get(i)));
                        }
                    }
                    out.add(set);
                }
            }
            default -> { // GROUPING SETS (…): its members, each expanded
                for (PgNode member : gs.nodes("content")) {
                    out.addAll(sets(member));
                }
            }
        }
        return out;
    }

    private static List<Long> refs(PgNode simple) {
        return simple.list("content").stream().map(v -> Long.parseLong(v.toString())).toList();
    }
}

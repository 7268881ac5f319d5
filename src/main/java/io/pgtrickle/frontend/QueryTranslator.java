package io.pgtrickle.frontend;

import io.pgtrickle.catalog.PgSourceResolver;
import io.pgtrickle.dvm.SourceTable;
import io.pgtrickle.dvm.UnsupportedQueryException;
import io.pgtrickle.dvm.operators.AggregateCall;
import io.pgtrickle.dvm.operators.AggregateOperator;
import io.pgtrickle.dvm.operators.CounterHaving;
import io.pgtrickle.dvm.operators.DeltaOperator;
import io.pgtrickle.dvm.operators.DistinctOperator;
import io.pgtrickle.dvm.operators.ExceptOperator;
import io.pgtrickle.dvm.operators.FilterOperator;
import io.pgtrickle.dvm.operators.IntersectOperator;
import io.pgtrickle.dvm.operators.ProjectOperator;
import io.pgtrickle.dvm.operators.TopKOperator;
import io.pgtrickle.dvm.operators.UnionAllOperator;
import io.pgtrickle.dvm.operators.UnionOperator;
import io.pgtrickle.dvm.operators.WindowOperator;
import io.pgtrickle.sql.Identifiers;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Translates PostgreSQL's analysed query (a {@code Query} node) into an operator tree, one query
 * level at a time: set operations, ORDER BY … LIMIT, grouping, windows and DISTINCT here; FROM
 * items in {@link FromTranslator}; WHERE subqueries in {@link WhereTranslator}. Names, types, star
 * expansion, USING/NATURAL join conditions, GROUP BY ordinals and output names were all resolved
 * by PostgreSQL; anything this cannot maintain differentially raises {@link UnsupportedQueryException}.
 */
final class QueryTranslator {

    /** Reads a view's defining query, analysed by PostgreSQL, for inlining. */
    interface ViewReader {
        /** The view's query and the text its constants are found in. */
        QueryTranslator.View read(long viewOid) throws SQLException, UnsupportedQueryException;
    }

    record View(PgNode query, LiteralText literals) {
    }

    final ExpressionDeparser deparser;
    final PgSourceResolver resolver;
    final ViewReader views;
    final List<SourceTable> sources;
    /** While a recursive CTE's step is translated: what its reference to the CTE becomes. */
    RecursiveCtes.Reference recursiveReference;
    private final Set<String> usedAliases;
    private final int[] counter;

    QueryTranslator(ExpressionDeparser deparser, PgSourceResolver resolver, ViewReader views) {
        this(deparser, resolver, views, new ArrayList<>(), new HashSet<>(), new int[1]);
    }

    private QueryTranslator(ExpressionDeparser deparser, PgSourceResolver resolver, ViewReader views,
                            List<SourceTable> sources, Set<String> usedAliases, int[] counter) {
        this.deparser = deparser;
        this.resolver = resolver;
        this.views = views;
        this.sources = sources;
        this.usedAliases = usedAliases;
        this.counter = counter;
    }

    /** A translator for another query text (an inlined view's) that shares this one's sources and names. */
    QueryTranslator reading(LiteralText literals) {
        return new QueryTranslator(deparser.reading(literals), resolver, views, sources, usedAliases, counter);
    }

    /** A FROM item's alias, unique in the whole translation (so generated column names are too). */
    String alias(String wanted) {
        String a = wanted == null || wanted.isEmpty() ? "__pgt_sq" : wanted;
        while (!usedAliases.add(a)) {
            a = (wanted == null || wanted.isEmpty() ? "__pgt_sq" : wanted) + "#" + (++counter[0]);
        }
        return a;
    }

    /**
     * Rows and groups are identified by hashing their values with each type's own hash function;
     * a key whose type has equality but no hash function (money, bit, tsvector, …) is refused.
     */
    void requireHashable(PgNode expr, String role) throws SQLException, UnsupportedQueryException {
        Long type = Types.find(expr);
        if (type != null && !deparser.catalog().hashable(type)) {
            throw new UnsupportedQueryException(role + " of type " + deparser.catalog().type(type, -1)
                    + " (a type without a hash function)");
        }
    }

    /** The generated column for {@code alias.name}; PostgreSQL truncates names at 63 bytes. */
    static String column(String alias, String name) {
        String c = alias + "." + name;
        return c.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 63 ? c
                : "__pgt_c" + Integer.toHexString(c.hashCode()) + Integer.toHexString(c.length());
    }

    /** {@code rel} as a FROM item: its columns renamed to "alias.name" (names from {@code visible} first). */
    Relation asItem(Relation rel, String alias, List<String> visible) {
        String a = alias(alias);
        List<String> shown = new ArrayList<>();
        List<ProjectOperator.Item> items = new ArrayList<>();
        for (int i = 0; i < rel.columns().size(); i++) {
            String name = i < visible.size() ? visible.get(i) : rel.columns().get(i);
            shown.add(column(a, name));
            items.add(new ProjectOperator.Item(Identifiers.quote(rel.columns().get(i)), shown.get(i)));
        }
        return new Relation(new ProjectOperator(rel.op(), "__pgt_r", items), shown);
    }

    /**
     * One query level. {@code parent} is the enclosing level for a correlated subquery (null when
     * the query must stand alone); {@code names} are the wanted output names (null: its own).
     */
    Relation query(PgNode q, Frame parent, List<String> names) throws SQLException, UnsupportedQueryException {
        if (q.integer("commandType") != 1) {
            throw new UnsupportedQueryException("a data-modifying statement");
        }
        if (q.bool("hasModifyingCTE")) {
            throw new UnsupportedQueryException("a data-modifying WITH");
        }
        if (q.bool("hasForUpdate")) {
            throw new UnsupportedQueryException("FOR UPDATE / FOR SHARE");
        }
        Frame frame = new Frame(q, parent);
        List<PgNode> output = q.nodes("targetList").stream().filter(te -> !te.bool("resjunk")).toList();
        List<String> outNames = outputNames(output, names);
        Relation rel;
        if (q.has("setOperations")) {
            if (!allUnionAll(q.node("setOperations"))) {
                for (PgNode te : output) {
                    requireHashable(te.node("expr"), "a UNION / INTERSECT / EXCEPT column");
                }
            }
            rel = new Relation(setOperation(frame, q.node("setOperations"), names), outNames);
        } else {
            rel = select(frame, outNames, hasLimit(q));
        }
        return limit(frame, rel, outNames);
    }

    /** The stream table's whole query: a recursive CTE selected whole, or any other query. */
    Relation root(PgNode q, List<String> names) throws SQLException, UnsupportedQueryException {
        Relation whole = new RecursiveCtes(this).wholeResult(q, names);
        return whole != null ? whole : query(q, null, names);
    }

    static boolean hasLimit(PgNode q) {
        return q.has("limitCount") || q.has("limitOffset");
    }

    static List<String> outputNames(List<PgNode> output, List<String> names) {
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < output.size(); i++) {
            String n = names != null && i < names.size() ? names.get(i) : output.get(i).text("resname");
            String unique = n == null ? "?column?" : n;
            for (int k = 2; !seen.add(unique); k++) {
                unique = n + "#" + k; // an inner query may repeat a name; only its position matters
            }
            out.add(unique);
        }
        return out;
    }

    private static boolean allUnionAll(PgNode node) {
        return node.is("RANGETBLREF") || node.integer("op") == 1 && node.bool("all")
                && allUnionAll(node.node("larg")) && allUnionAll(node.node("rarg"));
    }

    DeltaOperator setOperation(Frame frame, PgNode node, List<String> names)
            throws SQLException, UnsupportedQueryException {
        if (node.is("RANGETBLREF")) {
            PgNode rte = frame.rte(node.integer("rtindex"));
            return query(rte.node("subquery"), null, names).op();
        }
        boolean all = node.bool("all");
        DeltaOperator l = setOperation(frame, node.node("larg"), names);
        DeltaOperator r = setOperation(frame, node.node("rarg"), null);
        return switch (node.integer("op")) {
            case 1 -> all ? new UnionAllOperator(l, r) : new UnionOperator(l, r);
            case 2 -> new IntersectOperator(l, r, all);
            default -> new ExceptOperator(l, r, all);
        };
    }

    /** ORDER BY … LIMIT / OFFSET over a query's output (without LIMIT, a stream table has no order). */
    private Relation limit(Frame frame, Relation rel, List<String> outNames) throws SQLException, UnsupportedQueryException {
        PgNode q = frame.query;
        if (!hasLimit(q)) {
            return rel;
        }
        if (q.integer("limitOption") != 0) {
            throw new UnsupportedQueryException("FETCH … WITH TIES");
        }
        List<PgNode> output = q.nodes("targetList").stream().filter(te -> !te.bool("resjunk")).toList();
        List<String> items = new ArrayList<>();
        for (PgNode sc : q.nodes("sortClause")) {
            PgNode te = frame.targetEntry(sc.number("tleSortGroupRef"));
            String column = te.bool("resjunk") ? sortColumn(te) : outNames.get(output.indexOf(te));
            items.add(deparser.sortItem(sc, Identifiers.quote(column)));
        }
        Frame none = new Frame(q, null);
        String count = q.has("limitCount") ? deparser.render(q.node("limitCount"), none) : null;
        String offset = q.has("limitOffset") ? deparser.render(q.node("limitOffset"), none) : null;
        DeltaOperator top = new TopKOperator(rel.op(), items.isEmpty() ? "1" : String.join(", ", items), count, offset);
        if (rel.columns().size() == outNames.size()) {
            return new Relation(top, outNames);
        }
        List<ProjectOperator.Item> visible = new ArrayList<>(); // drop the sort-only columns again
        for (String n : outNames) {
            visible.add(new ProjectOperator.Item(Identifiers.quote(n), n));
        }
        return new Relation(new ProjectOperator(top, "__pgt_k", visible), outNames);
    }

    /** The column that carries an ORDER BY expression that is not in the SELECT list. */
    private static String sortColumn(PgNode te) {
        return "__pgt_sort" + te.integer("resno");
    }

    private Relation select(Frame frame, List<String> outNames, boolean limited)
            throws SQLException, UnsupportedQueryException {
        PgNode q = frame.query;
        if (q.bool("hasTargetSRFs")) {
            throw new UnsupportedQueryException("a set-returning function in the SELECT list");
        }
        PgNode jointree = q.node("jointree");
        Relation from = new FromTranslator(this).fromList(frame, jointree.nodes("fromlist"));
        WhereTranslator where = new WhereTranslator(this);
        Relation filtered = where.apply(frame, from, jointree.node("quals"));
        boolean grouped = q.bool("hasAggs") || !q.list("groupClause").isEmpty() || q.has("havingQual");
        ExpressionDeparser.Substitutions subs = new ExpressionDeparser.Substitutions();
        DeltaOperator op = filtered.op();
        if (!grouped) {
            List<PgNode> exprs = q.nodes("targetList").stream().map(te -> te.node("expr")).toList();
            Relation withScalars = where.scalarSubqueries(frame, filtered, exprs, subs);
            op = withScalars.op();
        }
        List<PgNode> entries = new ArrayList<>();
        List<String> names = new ArrayList<>(outNames);
        for (PgNode te : q.nodes("targetList")) {
            if (!te.bool("resjunk")) {
                entries.add(te);
            }
        }
        if (limited) { // ORDER BY expressions outside the SELECT list travel as extra columns
            for (PgNode sc : q.nodes("sortClause")) {
                PgNode te = frame.targetEntry(sc.number("tleSortGroupRef"));
                if (te.bool("resjunk") && !entries.contains(te)) {
                    entries.add(te);
                    names.add(sortColumn(te));
                }
            }
        }
        DeltaOperator input = op;
        if (grouped && !q.list("groupingSets").isEmpty()) {
            if (q.bool("hasWindowFuncs") || !q.list("distinctClause").isEmpty()) {
                throw new UnsupportedQueryException("window functions or DISTINCT over GROUPING SETS");
            }
            return new Relation(groupingSets(frame, input, entries, names), names);
        }
        if (grouped && q.bool("hasWindowFuncs")) {
            if (!q.list("distinctClause").isEmpty()) {
                throw new UnsupportedQueryException("DISTINCT with window functions over GROUP BY");
            }
            return new Relation(windowsOverGroups(frame, input, entries, names), names);
        }
        List<ProjectOperator.Item> items = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            items.add(new ProjectOperator.Item(deparser.render(entries.get(i).node("expr"), frame, subs), names.get(i)));
        }
        if (grouped) {
            List<String> keys = new ArrayList<>();
            for (PgNode gc : q.nodes("groupClause")) {
                PgNode key = frame.targetEntry(gc.number("tleSortGroupRef")).node("expr");
                requireHashable(key, "a GROUP BY key");
                keys.add(deparser.render(key, frame));
            }
            AlgebraicAggregates algebraic = new AlgebraicAggregates(deparser);
            List<AggregateCall> calls = algebraic.selectList(frame, entries, items, keys);
            String having = null;
            CounterHaving counterHaving = null;
            if (q.has("havingQual")) {
                having = deparser.render(q.node("havingQual"), frame);
                counterHaving = calls == null ? null : algebraic.having(frame, q.node("havingQual"), entries, items);
            }
            op = new AggregateOperator(op, keys, items, having, calls, counterHaving);
        } else if (q.bool("hasWindowFuncs")) {
            op = new WindowOperator(op, items, partitionBy(frame, entries, subs));
        } else {
            op = new ProjectOperator(op, "__pgt_p", items);
        }
        if (q.bool("hasDistinctOn")) {
            if (grouped || q.bool("hasWindowFuncs")) {
                throw new UnsupportedQueryException("DISTINCT ON over GROUP BY or window functions");
            }
            op = distinctOn(frame, input, items, subs);
        } else if (!q.list("distinctClause").isEmpty()) {
            for (PgNode te : entries) {
                requireHashable(te.node("expr"), "a DISTINCT column");
            }
            op = new DistinctOperator(op);
        }
        return new Relation(op, names);
    }

    /**
     * GROUPING SETS / ROLLUP / CUBE: one aggregate per grouping ({@link GroupingSets}), side by
     * side (UNION ALL). In each, the grouping columns it leaves out read as NULL (outside aggregate
     * arguments, as in PostgreSQL) and GROUPING() is the constant bit mask of the left-out ones.
     */
    private DeltaOperator groupingSets(Frame frame, DeltaOperator input, List<PgNode> entries, List<String> names)
            throws SQLException, UnsupportedQueryException {
        PgNode q = frame.query;
        List<Object> rendered = new ArrayList<>(entries);
        rendered.add(q.get("havingQual"));
        DeltaOperator union = null;
        for (List<Long> set : GroupingSets.expand(q.nodes("groupingSets"), q.bool("groupDistinct"))) {
            ExpressionDeparser.Substitutions subs = new ExpressionDeparser.Substitutions();
            List<String> keys = new ArrayList<>();
            for (PgNode gc : q.nodes("groupClause")) {
                PgNode key = frame.targetEntry(gc.number("tleSortGroupRef")).node("expr");
                if (set.contains(gc.number("tleSortGroupRef"))) {
                    requireHashable(key, "a GROUP BY key");
                    keys.add(deparser.render(key, frame));
                } else {
                    Long type = Types.find(key);
                    if (type == null) {
                        throw new UnsupportedQueryException("a grouping set over an expression of unknown type");
                    }
                    subs.expressions.put(key, "NULL::" + deparser.catalog().type(type, -1));
                }
            }
            for (PgNode g : Nodes.find(rendered, "GROUPINGFUNC")) {
                List<Object> refs = g.list("refs");
                int mask = 0;
                for (int i = 0; i < refs.size(); i++) {
                    if (!set.contains(Long.parseLong(refs.get(i).toString()))) {
                        mask |= 1 << (refs.size() - 1 - i);
                    }
                }
                subs.nodes.put(g, mask + "::integer");
            }
            List<ProjectOperator.Item> items = new ArrayList<>();
            for (int i = 0; i < entries.size(); i++) {
                items.add(new ProjectOperator.Item(deparser.render(entries.get(i).node("expr"), frame, subs),
                        names.get(i)));
            }
            String having = q.has("havingQual") ? deparser.render(q.node("havingQual"), frame, subs) : null;
            DeltaOperator agg = new AggregateOperator(input, keys, items, having, null);
            union = union == null ? agg : new UnionAllOperator(union, agg);
        }
        return union;
    }

    /**
     * {@code DISTINCT ON (keys) … ORDER BY …}: the first row of each key group in the query's
     * order, as the rows numbered 1 by {@code row_number() OVER (PARTITION BY keys ORDER BY …)};
     * a group is recomputed when one of its input rows changed.
     */
    private DeltaOperator distinctOn(Frame frame, DeltaOperator input, List<ProjectOperator.Item> items,
                                     ExpressionDeparser.Substitutions subs) throws SQLException, UnsupportedQueryException {
        PgNode q = frame.query;
        List<String> keys = new ArrayList<>();
        for (PgNode dc : q.nodes("distinctClause")) {
            PgNode key = frame.targetEntry(dc.number("tleSortGroupRef")).node("expr");
            requireHashable(key, "a DISTINCT ON key");
            keys.add(deparser.render(key, frame, subs));
        }
        List<String> order = new ArrayList<>();
        for (PgNode sc : q.nodes("sortClause")) {
            order.add(deparser.sortItem(sc, deparser.render(frame.targetEntry(sc.number("tleSortGroupRef"))
                    .node("expr"), frame, subs)));
        }
        String rank = "row_number() OVER (PARTITION BY " + String.join(", ", keys)
                + (order.isEmpty() ? "" : " ORDER BY " + String.join(", ", order)) + ")";
        List<ProjectOperator.Item> ranked = new ArrayList<>(items);
        ranked.add(new ProjectOperator.Item(rank, "__pgt_dn"));
        DeltaOperator firsts = new FilterOperator(new WindowOperator(input, ranked, List.of(keys)), "__pgt_q",
                "\"__pgt_dn\" = 1");
        List<ProjectOperator.Item> visible = new ArrayList<>();
        for (ProjectOperator.Item item : items) {
            visible.add(new ProjectOperator.Item(Identifiers.quote(item.name()), item.name()));
        }
        return new ProjectOperator(firsts, "__pgt_p", visible);
    }

    /** The one PARTITION BY list every window function of the SELECT list shares. */
    /**
     * Window functions over GROUP BY: the groups first (keys and every aggregate the SELECT list
     * or a window's ORDER BY uses, as columns), then the windows over the groups, with the keys
     * and aggregates read from those columns. Touched groups change, and their partitions are
     * recomputed.
     */
    private DeltaOperator windowsOverGroups(Frame frame, DeltaOperator input, List<PgNode> entries, List<String> names)
            throws SQLException, UnsupportedQueryException {
        PgNode q = frame.query;
        ExpressionDeparser.Substitutions overGroups = new ExpressionDeparser.Substitutions();
        List<String> keys = new ArrayList<>();
        List<ProjectOperator.Item> groupItems = new ArrayList<>();
        for (PgNode gc : q.nodes("groupClause")) {
            PgNode key = frame.targetEntry(gc.number("tleSortGroupRef")).node("expr");
            requireHashable(key, "a GROUP BY key");
            String column = "__pgt_gk" + keys.size();
            keys.add(deparser.render(key, frame));
            groupItems.add(new ProjectOperator.Item(keys.get(keys.size() - 1), column));
            overGroups.expressions.put(key, Identifiers.quote(column));
        }
        for (PgNode agg : Nodes.find(q.get("targetList"), "AGGREF")) {
            String column = "__pgt_ag" + overGroups.nodes.size();
            groupItems.add(new ProjectOperator.Item(deparser.render(agg, frame), column));
            overGroups.nodes.put(agg, Identifiers.quote(column));
        }
        String having = q.has("havingQual") ? deparser.render(q.node("havingQual"), frame) : null;
        DeltaOperator groups = new AggregateOperator(input, keys, groupItems, having, null);
        List<ProjectOperator.Item> items = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            items.add(new ProjectOperator.Item(deparser.render(entries.get(i).node("expr"), frame, overGroups),
                    names.get(i)));
        }
        return new WindowOperator(groups, items, partitionBy(frame, entries, overGroups));
    }

    /** The distinct PARTITION BY lists of the SELECT list's window functions. */
    private List<List<String>> partitionBy(Frame frame, List<PgNode> entries, ExpressionDeparser.Substitutions subs)
            throws SQLException, UnsupportedQueryException {
        Set<Long> refs = new java.util.LinkedHashSet<>();
        for (PgNode wf : Nodes.find(entries, "WINDOWFUNC")) {
            refs.add(wf.number("winref"));
        }
        List<List<String>> lists = new ArrayList<>();
        for (PgNode wc : frame.query.nodes("windowClause")) {
            if (!refs.contains(wc.number("winref"))) {
                continue;
            }
            List<String> keys = new ArrayList<>();
            for (PgNode sc : wc.nodes("partitionClause")) {
                PgNode key = frame.targetEntry(sc.number("tleSortGroupRef")).node("expr");
                requireHashable(key, "a PARTITION BY key");
                keys.add(deparser.render(key, frame, subs));
            }
            lists.add(keys);
        }
        return lists.stream().distinct().toList();
    }

}

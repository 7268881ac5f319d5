package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.MaintenancePlan;
import io.pgtrickle.dvm.SourceTable;
import io.pgtrickle.dvm.Sql;
import io.pgtrickle.dvm.ZSet;
import java.util.ArrayList;
import java.util.List;

/**
 * GROUP BY (or a global aggregate) whose SELECT list is group keys and COUNT / SUM / AVG / MIN /
 * MAX calls, maintained from counters kept in the stream table's own storage: a refresh reads the
 * touched groups' stored rows ({@value DiffContext#STORAGE_CTE}, by row id = hash of the group
 * key) and adds the delta's per-group sums. Hidden columns: {@value #COUNT} (rows in the group;
 * the group disappears at 0), {@code __pgt_a<i>_n} (non-null values of SUM / AVG item i) and
 * {@code __pgt_a<i>_sum} (AVG's exact numeric sum). A group is rescanned from the input's current
 * state only when the delta may have removed what the stored row depends on: a MIN / MAX extreme,
 * or the widest-scale (or non-finite) value of a numeric SUM / AVG, whose result scale is the
 * widest input scale in PostgreSQL. Where every value has one scale (integers, a {@code numeric(p,s)}
 * column) no scale is tracked and only a NaN leaving a group has it read again.
 *
 * <p>A HAVING is evaluated over the new values ({@link CounterHaving}; the calls it makes that the
 * SELECT list does not are kept as hidden items): a stored group that stops satisfying it leaves
 * the result, one that still does is updated from its counters. The groups it leaves out keep
 * their counters in a table of their own ({@value DiffContext#LEFT_OUT_CTE}), so a change to one
 * is applied from them too, and one that comes to satisfy HAVING moves into the storage without
 * being read again; the delta's rows of weight 0 say how that table changes. Valid only at the
 * root of the tree, over the storage it keeps. Its delta is already consolidated
 * (one row per stored row that changes), so the refresh MERGEs it as it is.
 */
public final class AlgebraicAggregateOperator extends OneInputOperator {

    public static final String COUNT = "__pgt_count";
    /** Stands for the scale of NaN and infinities, which have none. */
    private static final String NON_FINITE = "2147483647";

    private final List<String> groupBy;
    private final List<ProjectOperator.Item> items;
    private final List<AggregateCall> calls;
    private final List<String> types;
    /** HAVING over the input rows (full state, rescans) and over the new values (from counters), or null. */
    private final String having;
    private final String havingOverValues;
    /** The HAVING's own items, at the end of {@link #items}: stored as hidden columns. */
    private final List<SourceTable.Column> havingItems = new ArrayList<>();

    private AlgebraicAggregateOperator(AggregateOperator agg, List<AggregateCall> calls, List<String> types) {
        super(agg.child());
        this.groupBy = agg.groupBy();
        CounterHaving h = agg.counterHaving();
        List<ProjectOperator.Item> all = new ArrayList<>(agg.items());
        List<AggregateCall> allCalls = new ArrayList<>(calls);
        List<String> allTypes = new ArrayList<>(types);
        if (h != null) {
            all.addAll(h.items());
            allCalls.addAll(h.calls());
            allTypes.addAll(h.types());
            for (int i = 0; i < h.items().size(); i++) {
                havingItems.add(new SourceTable.Column(h.items().get(i).name(), h.types().get(i)));
            }
        }
        this.items = List.copyOf(all);
        this.calls = List.copyOf(allCalls);
        this.types = List.copyOf(allTypes);
        this.having = agg.having();
        this.havingOverValues = h == null ? null : h.condition();
    }

    /**
     * The algebraic form of {@code agg}, or null when one of its items has to be recomputed.
     *
     * @param types the query's output column types, as PostgreSQL formats them
     */
    public static AlgebraicAggregateOperator of(AggregateOperator agg, List<String> types) {
        List<AggregateCall> selected = agg.calls();
        if (selected == null || types.size() != selected.size()) {
            return null;
        }
        AlgebraicAggregateOperator op = new AlgebraicAggregateOperator(agg, selected, types);
        for (int i = 0; i < op.calls.size(); i++) {
            String t = op.types.get(i);
            boolean ok = switch (op.calls.get(i).kind()) {
                // sum(int2/int4) is bigint, sum(int8/numeric) numeric; float and interval sums are not exact
                case SUM -> t.equals("bigint") || t.equals("numeric");
                // avg of integers and numerics is numeric
                case AVG -> t.equals("numeric");
                default -> true;
            };
            if (!ok) {
                return null;
            }
        }
        return op;
    }

    /** What the storage keeps besides the query's columns: HAVING's own items, then the counters. */
    public List<SourceTable.Column> hiddenColumns() {
        List<SourceTable.Column> out = new ArrayList<>(havingItems);
        out.addAll(counters());
        return out;
    }

    private List<SourceTable.Column> counters() {
        List<SourceTable.Column> out = new ArrayList<>();
        out.add(new SourceTable.Column(COUNT, "bigint"));
        for (int i = 0; i < calls.size(); i++) {
            switch (calls.get(i).kind()) {
                case SUM -> out.add(new SourceTable.Column(n(i), "bigint"));
                case AVG -> {
                    out.add(new SourceTable.Column(n(i), "bigint"));
                    out.add(new SourceTable.Column(sum(i), "numeric"));
                }
                default -> {
                }
            }
            if (scaleSensitive(i)) {
                out.add(new SourceTable.Column(maxScale(i), "integer"));
                out.add(new SourceTable.Column(atMaxScale(i), "bigint"));
            }
        }
        return out;
    }

    /**
     * Whether some group may have to be read again from the input (MIN / MAX, numeric scale); a
     * HAVING alone never has one read: the groups it leaves out keep their counters too.
     */
    public boolean mayRescan() {
        for (int i = 0; i < calls.size(); i++) {
            if (scaleSensitive(i) || calls.get(i).kind() == AggregateCall.Kind.MIN
                    || calls.get(i).kind() == AggregateCall.Kind.MAX) {
                return true;
            }
        }
        return false;
    }

    private static String n(int i) {
        return "__pgt_a" + (i + 1) + "_n";
    }

    private static String sum(int i) {
        return "__pgt_a" + (i + 1) + "_sum";
    }

    /** The widest scale among the group's (finite) values of a numeric SUM / AVG item. */
    private static String maxScale(int i) {
        return "__pgt_a" + (i + 1) + "_ms";
    }

    /** How many of the group's values have that widest scale (weighted by multiplicity). */
    private static String atMaxScale(int i) {
        return "__pgt_a" + (i + 1) + "_msn";
    }

    /**
     * The widest of {@code scale} over the rows an aggregate FILTER admits, and how many rows have
     * it: one pass, the count through an array of the group's scales (a sub-select over outer
     * aggregates). For the full aggregate, which fills the counters.
     */
    private static String widest(String scale, String filter, String maxAs, String countAs) {
        String max = "max(" + scale + ")" + filter;
        return ", " + max + " AS " + maxAs + ", (SELECT count(*) FROM unnest(array_agg(" + scale + ")" + filter
                + ") __pgt_u(sc) WHERE __pgt_u.sc = " + max + ") AS " + countAs;
    }

    /**
     * After a delta, item i's widest scale ({@code ms}, NULL when unknown or no finite value is left)
     * and how many values have it ({@code msn}), from the stored counters and the delta's scales
     * netted per scale: the widest scale a delta adds values at wins; else the stored widest while
     * values remain at it. {@code non_finite_removed}: a NaN or infinity went, whose absence the
     * counters cannot see.
     */
    private String scaleLateral(int i, String alias) {
        String u = "unnest(dg." + d(i, "scs") + ", dg." + d(i, "ws") + ") u(sc, w)";
        String oldMs = "s." + maxScale(i);
        String top = "(SELECT max(v.sc) FROM (SELECT u.sc, sum(u.w) AS n FROM " + u + " WHERE u.sc <> " + NON_FINITE
                + " GROUP BY u.sc) v WHERE v.n > 0 AND (" + oldMs + " IS NULL OR v.sc > " + oldMs + "))";
        String left = "(coalesce(s." + atMaxScale(i) + ", 0) + coalesce((SELECT sum(u.w) FROM " + u + " WHERE u.sc = "
                + oldMs + "), 0))";
        return " CROSS JOIN LATERAL (SELECT coalesce(t.top, CASE WHEN t.left_n > 0 THEN " + oldMs + " END) AS ms,"
                + " (CASE WHEN t.top IS NOT NULL THEN (SELECT sum(u.w) FROM " + u + " WHERE u.sc = t.top)"
                + " WHEN t.left_n > 0 THEN t.left_n ELSE 0 END)::bigint AS msn, t.non_finite_removed"
                + " FROM (SELECT " + top + " AS top, " + left + " AS left_n, EXISTS (SELECT 1 FROM " + u + " WHERE u.sc = "
                + NON_FINITE + " AND u.w < 0) AS non_finite_removed) t) " + alias;
    }

    /** Delta-side column {@code what} of item i. */
    private static String d(int i, String what) {
        return "__pgt_d" + (i + 1) + "_" + what;
    }

    /** A numeric SUM or any AVG: the result's scale is the widest scale among the values. */
    private boolean numericSum(int i) {
        AggregateCall.Kind k = calls.get(i).kind();
        return k == AggregateCall.Kind.AVG || k == AggregateCall.Kind.SUM && types.get(i).equals("numeric");
    }

    /** A numeric SUM or AVG whose values' scales differ: the counters track the widest. */
    private boolean scaleSensitive(int i) {
        return numericSum(i) && !calls.get(i).fixedScale();
    }

    private List<String> allColumns() {
        List<String> out = new ArrayList<>(items.stream().map(ProjectOperator.Item::name).toList());
        counters().forEach(c -> out.add(c.name()));
        return out;
    }

    private String key() {
        return groupBy.isEmpty() ? "0::bigint" : ZSet.hash(groupBy);
    }

    /** Which of a group's rows {@link #aggregate} yields, by its HAVING. */
    private enum Groups {
        /** those HAVING keeps: the stream table's rows */
        KEPT,
        /** those HAVING leaves out: the left-out table's rows */
        LEFT_OUT,
        /** all, each with whether HAVING keeps it ({@value #KEEP}) */
        FLAGGED
    }

    private static final String KEEP = "__pgt_keep";
    private static final String OUT = DiffContext.LEFT_OUT_FLAG;

    /** The full aggregate over {@code from}, with the hidden counters, restricted by {@code where}. */
    private String aggregate(String from, String where, Groups groups) {
        StringBuilder b = new StringBuilder("SELECT ");
        for (ProjectOperator.Item item : items) {
            b.append(item.expression()).append(" AS ").append(Sql.q(item.name())).append(", ");
        }
        b.append("count(*) AS ").append(COUNT);
        for (int i = 0; i < calls.size(); i++) {
            AggregateCall c = calls.get(i);
            if (c.kind() == AggregateCall.Kind.SUM || c.kind() == AggregateCall.Kind.AVG) {
                b.append(", count(*) FILTER (WHERE ").append(c.counted()).append(") AS ").append(n(i));
            }
            if (c.kind() == AggregateCall.Kind.AVG) {
                b.append(", sum((").append(c.argument()).append(")::numeric) FILTER (WHERE ").append(c.counted())
                        .append(") AS ").append(sum(i));
            }
            if (scaleSensitive(i)) {
                b.append(widest("scale((" + c.argument() + ")::numeric)", " FILTER (WHERE " + c.counted() + ")",
                        maxScale(i), atMaxScale(i)));
            }
        }
        b.append(", ").append(key()).append(" AS ").append(DiffResult.ROW_ID);
        if (having != null && groups == Groups.FLAGGED) {
            b.append(", coalesce((").append(having).append("), false) AS ").append(KEEP);
        }
        b.append(" FROM ").append(from).append(" g");
        if (where != null) {
            b.append(" WHERE ").append(where);
        }
        if (!groupBy.isEmpty()) {
            b.append(" GROUP BY ").append(String.join(", ", groupBy));
        }
        if (having != null && groups == Groups.KEPT) {
            b.append(" HAVING ").append(having);
        } else if (having != null && groups == Groups.LEFT_OUT) {
            b.append(" HAVING NOT coalesce((").append(having).append("), false)");
        }
        return b.toString();
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        DiffResult c = in.get(0);
        String w = DiffResult.WEIGHT;
        String rid = DiffResult.ROW_ID;
        String storageRid = MaintenancePlan.STORAGE_ROW_ID;
        List<String> all = allColumns();

        // per touched group: key values and the delta's sums
        StringBuilder dg = new StringBuilder("SELECT ");
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).kind() == AggregateCall.Kind.KEY) {
                dg.append(items.get(i).expression()).append(" AS ").append(Sql.q(items.get(i).name())).append(", ");
            }
        }
        if (!groupBy.isEmpty()) {
            dg.append(groupBy.get(0)).append(" AS __pgt_g0, ");
        }
        dg.append(key()).append(" AS ").append(rid).append(", sum(g.").append(w).append(") AS __pgt_dc");
        for (int i = 0; i < calls.size(); i++) {
            AggregateCall call = calls.get(i);
            String x = "(" + call.argument() + ")";
            String counted = " FILTER (WHERE " + call.counted() + ")";
            String ins = " FILTER (WHERE " + call.counted() + " AND g." + w + " > 0)";
            String del = " FILTER (WHERE " + call.counted() + " AND g." + w + " < 0)";
            switch (call.kind()) {
                case COUNT -> dg.append(", sum(g.").append(w).append(")").append(counted).append(" AS ").append(d(i, "c"));
                case SUM, AVG -> {
                    dg.append(", sum(g.").append(w).append(")").append(counted).append(" AS ").append(d(i, "n"));
                    dg.append(", sum(g.").append(w).append("::numeric * ").append(x).append(")").append(counted)
                            .append(" AS ").append(d(i, "s"));
                    if (numericSum(i) && !scaleSensitive(i)) {
                        // one scale for all values: only a NaN leaving the group needs it read again
                        dg.append(", bool_or(scale(").append(x).append("::numeric) IS NULL)").append(del).append(" AS ")
                                .append(d(i, "nf"));
                    }
                    if (scaleSensitive(i)) {
                        // each changed value's scale with its weight; netted per scale after the join
                        dg.append(", array_agg(coalesce(scale(").append(x).append("::numeric), ").append(NON_FINITE)
                                .append("))").append(counted).append(" AS ").append(d(i, "scs"));
                        dg.append(", array_agg(g.").append(w).append(")").append(counted).append(" AS ").append(d(i, "ws"));
                    }
                }
                case MIN, MAX -> {
                    String fn = call.kind() == AggregateCall.Kind.MIN ? "min(" : "max(";
                    dg.append(", ").append(fn).append(x).append(")").append(ins).append(" AS ").append(d(i, "i"));
                    dg.append(", ").append(fn).append(x).append(")").append(del).append(" AS ").append(d(i, "x"));
                }
                default -> {
                }
            }
        }
        dg.append(" FROM (").append(c.deltaSql()).append(") g");
        if (!groupBy.isEmpty()) {
            dg.append(" GROUP BY ").append(String.join(", ", groupBy));
        }

        // stored row + delta = new row; inv marks groups to rescan
        String newCount = "(coalesce(s." + COUNT + ", 0) + coalesce(dg.__pgt_dc, 0))";
        List<String> values = new ArrayList<>();
        List<String> hidden = new ArrayList<>();
        List<String> inv = new ArrayList<>();
        StringBuilder laterals = new StringBuilder();
        hidden.add(newCount + "::bigint");
        for (int i = 0; i < calls.size(); i++) {
            String col = Sql.q(items.get(i).name());
            String old = "s." + col;
            String newN = "(coalesce(s." + n(i) + ", 0) + coalesce(dg." + d(i, "n") + ", 0))";
            // A numeric SUM / AVG has the widest scale of its values (PostgreSQL's rule): the sum is rounded to
            // the widest scale left, which the counters know unless the last value at it went (then: rescan).
            String scaled = "%s";
            if (numericSum(i) && !scaleSensitive(i)) {
                inv.add("coalesce(dg." + d(i, "nf") + ", false)");
            }
            if (scaleSensitive(i)) {
                String sc = "__pgt_sc" + (i + 1);
                laterals.append(scaleLateral(i, sc));
                scaled = "CASE WHEN " + sc + ".ms IS NULL THEN %s ELSE round(%<s, " + sc + ".ms) END";
                inv.add(sc + ".non_finite_removed");
                inv.add(sc + ".ms IS NULL AND s." + maxScale(i) + " IS NOT NULL AND " + newN + " > 0");
            }
            switch (calls.get(i).kind()) {
                case KEY -> values.add("dg." + col);
                case COUNT -> values.add("(coalesce(" + old + ", 0) + coalesce(dg." + d(i, "c") + ", 0))::bigint");
                case SUM -> {
                    values.add("CASE WHEN " + newN + " = 0 THEN NULL ELSE (" + String.format(scaled, "coalesce(" + old
                            + ", 0) + coalesce(dg." + d(i, "s") + ", 0)") + ")::" + types.get(i) + " END");
                    hidden.add(newN + "::bigint");
                }
                case AVG -> {
                    String newSum = "CASE WHEN " + newN + " = 0 THEN NULL ELSE " + String.format(scaled, "coalesce(s."
                            + sum(i) + ", 0) + coalesce(dg." + d(i, "s") + ", 0)") + " END";
                    values.add("(" + newSum + ") / " + newN + "::numeric");
                    hidden.add(newN + "::bigint");
                    hidden.add(newSum);
                    old = "s." + sum(i);
                }
                case MIN -> {
                    values.add("least(" + old + ", dg." + d(i, "i") + ")");
                    inv.add("dg." + d(i, "x") + " IS NOT NULL AND NOT coalesce(dg." + d(i, "x") + " > " + old
                            + ", false)");
                }
                case MAX -> {
                    values.add("greatest(" + old + ", dg." + d(i, "i") + ")");
                    inv.add("dg." + d(i, "x") + " IS NOT NULL AND NOT coalesce(dg." + d(i, "x") + " < " + old
                            + ", false)");
                }
            }
            if (scaleSensitive(i)) {   // after the item's own counters, as in hiddenColumns()
                hidden.add("__pgt_sc" + (i + 1) + ".ms");
                hidden.add("__pgt_sc" + (i + 1) + ".msn");
            }
        }
        values.addAll(hidden);
        // A touched group's counters are its stored row or, for a group HAVING left out, its row in the
        // left-out table; a group in neither is new (its counters start at 0).
        boolean leftOut = having != null;
        String known = DiffContext.STORAGE_CTE;
        if (leftOut) {
            String cols = Sql.columns(null, all) + ", " + storageRid;
            known = "(SELECT " + cols + ", false AS " + OUT + " FROM " + DiffContext.STORAGE_CTE + " UNION ALL SELECT "
                    + cols + ", true FROM " + DiffContext.LEFT_OUT_CTE + ")";
        }
        StringBuilder j = new StringBuilder("SELECT ");
        for (int i = 0; i < all.size(); i++) {
            j.append(values.get(i)).append(" AS ").append(Sql.q(all.get(i))).append(", ");
        }
        j.append("dg.").append(rid).append(", ")
                .append(leftOut ? "CASE WHEN NOT s." + OUT + " THEN s." + storageRid + " END" : "s." + storageRid)
                .append(" AS __pgt_stored, ROW(").append(Sql.columns("s", all)).append(")::text AS __pgt_old, ")
                .append(newCount).append(" AS __pgt_nc, ")
                .append(inv.isEmpty() ? "false" : "coalesce((" + String.join(") OR (", inv) + "), false)")
                .append(" AS __pgt_inv");
        if (leftOut) {
            j.append(", coalesce(s.").append(OUT).append(", false) AS __pgt_was_out");
        }
        j.append(" FROM __pgt_dg dg LEFT JOIN ").append(known).append(" s ON s.").append(storageRid).append(" = dg.")
                .append(rid).append(laterals);

        // One row per group whose stored row changes: the new row (+1: MERGE updates or inserts it)
        // or the stored one (-1: it leaves), so the refresh need not consolidate the delta. With a
        // HAVING, rows of weight 0 say how the left-out table changes (OUT: put there, or taken out).
        String exists = groupBy.isEmpty() ? "true" : "j.__pgt_nc > 0";
        String kept = havingOverValues == null ? null : "coalesce((" + havingOverValues + "), false)";
        String survives = kept == null ? exists : exists + " AND " + kept;
        String rows = Sql.columns("j", all);
        String storageRow = leftOut ? ", NULL::boolean AS " + OUT : "";
        StringBuilder delta = new StringBuilder("WITH __pgt_dg AS (").append(dg).append("),\n__pgt_j AS (").append(j)
                .append(")");
        if (!inv.isEmpty()) {
            // the groups the counters cannot follow, read again from the input: those that exist now
            String where = groupBy.isEmpty() ? null
                    : ZSet.keyPrefilter(groupBy.get(0), "SELECT __pgt_g0 FROM __pgt_dg") + " AND " + key()
                            + " IN (SELECT __pgt_rid FROM __pgt_j WHERE __pgt_inv)";
            delta.append(",\n__pgt_r AS (SELECT ").append(Sql.columns("r", all)).append(", r.").append(rid)
                    .append(leftOut ? ", r." + KEEP : "").append(" FROM (")
                    .append(aggregate("(" + c.currentSql() + ")", where, Groups.FLAGGED))
                    .append(") r WHERE EXISTS (SELECT 1 FROM __pgt_j WHERE __pgt_inv))");
        }
        String rescannedKept = leftOut ? "__pgt_r WHERE " + KEEP : "__pgt_r";
        delta.append("\nSELECT ").append(rows).append(", j.").append(rid).append(", 1 AS ").append(w).append(storageRow)
                .append(" FROM __pgt_j j WHERE NOT j.__pgt_inv AND ").append(survives)
                .append(" AND (j.__pgt_stored IS NULL OR ").append(differs(rows, "j.__pgt_old")).append(")");
        if (!inv.isEmpty()) {
            String rescanned = Sql.columns("r", all);
            delta.append("\nUNION ALL SELECT ").append(rescanned).append(", r.").append(rid)
                    .append(", 1").append(leftOut ? ", NULL" : "").append(" FROM __pgt_r r LEFT JOIN ")
                    .append(DiffContext.STORAGE_CTE).append(" s ON s.").append(storageRid).append(" = r.").append(rid)
                    .append(" WHERE ").append(leftOut ? "r." + KEEP + " AND (" : "").append("s.").append(storageRid)
                    .append(" IS NULL OR ").append(differs(rescanned, "ROW(" + Sql.columns("s", all) + ")::text"))
                    .append(leftOut ? ")" : "");
        }
        delta.append("\nUNION ALL SELECT ").append(Sql.columns("s", all)).append(", s.").append(storageRid)
                .append(", -1").append(leftOut ? ", NULL" : "").append(" FROM ").append(DiffContext.STORAGE_CTE)
                .append(" s WHERE s.").append(storageRid).append(" IN (SELECT j.").append(rid)
                .append(" FROM __pgt_j j WHERE j.__pgt_inv OR NOT (").append(survives).append("))");
        if (!inv.isEmpty()) {
            delta.append(" AND s.").append(storageRid).append(" NOT IN (SELECT ").append(rid).append(" FROM ")
                    .append(rescannedKept).append(")");
        }
        if (leftOut) {
            // the left-out table: a group HAVING leaves out now is put there (with its new counters), one
            // that was there and is kept now or gone is taken out; the two never name the same group
            String leftOutNow = exists + " AND NOT " + kept;
            delta.append("\nUNION ALL SELECT ").append(rows).append(", j.").append(rid)
                    .append(", 0, true FROM __pgt_j j WHERE NOT j.__pgt_inv AND ").append(leftOutNow)
                    .append(" AND (NOT j.__pgt_was_out OR ").append(differs(rows, "j.__pgt_old")).append(")");
            delta.append("\nUNION ALL SELECT ").append(rows).append(", j.").append(rid)
                    .append(", 0, false FROM __pgt_j j WHERE j.__pgt_was_out AND ");
            if (inv.isEmpty()) {
                delta.append("NOT (").append(leftOutNow).append(")");
            } else {
                delta.append("CASE WHEN j.__pgt_inv THEN j.").append(rid).append(" NOT IN (SELECT ").append(rid)
                        .append(" FROM __pgt_r WHERE NOT ").append(KEEP).append(") ELSE NOT (").append(leftOutNow)
                        .append(") END");
                delta.append("\nUNION ALL SELECT ").append(Sql.columns("r", all)).append(", r.").append(rid)
                        .append(", 0, true FROM __pgt_r r WHERE NOT r.").append(KEEP);
            }
            ctx.keepLeftOut(aggregate("(" + c.currentSql() + ")", null, Groups.LEFT_OUT));
        }

        String current = aggregate("(" + c.currentSql() + ")", null, Groups.KEPT);
        return new DiffResult(current, delta.toString(), all, true);
    }

    /**
     * Whether a group's new row differs from its stored one as text: values equal under their
     * type's equality can print differently (numeric 1.0 and 1.00), and the stored text must follow.
     */
    private static String differs(String newColumns, String storedText) {
        return "ROW(" + newColumns + ")::text IS DISTINCT FROM " + storedText;
    }

    @Override
    public String detail() {
        return AggregateOperator.detail(groupBy, items, having);
    }

    @Override
    public String describe() {
        return "AlgebraicAggregate(" + groupBy.size() + " keys)";
    }
}

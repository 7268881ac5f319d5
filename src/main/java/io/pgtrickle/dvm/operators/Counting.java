package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.Sql;
import io.pgtrickle.dvm.ZSet;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Delta SQL for operators whose output multiplicity of a row is a function of the row's
 * multiplicities in their inputs (DISTINCT, UNION, INTERSECT, EXCEPT and their ALL forms).
 * For each row content in some input delta: n_i = count in input i now, n_i − Σw_i before;
 * the output changes by f(new counts) − f(old counts) copies.
 */
final class Counting {

    private Counting() {
    }

    /**
     * The result of such an operator: its current state is the inputs combined by {@code setOp}
     * (which must agree with {@code f}), its delta comes from {@code f}.
     *
     * @param keyed true when f is 0 or 1 (row id = content hash), false for multiset outputs
     */
    static DiffResult result(DiffContext ctx, List<DiffResult> in, String setOp, Function<List<String>, String> f,
                             boolean keyed) {
        return new DiffResult(current(in, setOp, keyed), delta(ctx, in, f, keyed), in.get(0).columns(), keyed);
    }

    /**
     * @param f multiplicity as SQL, given the count expressions of each input
     * @param keyed true when f is 0 or 1 (row id = content hash), false for multiset outputs
     */
    static String delta(DiffContext ctx, List<DiffResult> in, Function<List<String>, String> f, boolean keyed) {
        List<String> names = in.get(0).columns();
        String t = ctx.alias();
        StringBuilder touched = new StringBuilder();
        for (int i = 0; i < in.size(); i++) {
            DiffResult r = in.get(i);
            touched.append(i == 0 ? "" : " UNION ALL ").append("SELECT ")
                    .append(ZSet.renamed("d", r.columns(), names)).append(", ")
                    .append(ZSet.hash(Sql.columnList("d", r.columns()))).append(" AS __pgt_h, ").append(i)
                    .append(" AS __pgt_i, d.").append(DiffResult.WEIGHT).append(" AS __pgt_dw FROM (")
                    .append(r.deltaSql()).append(") d");
        }
        StringBuilder sql = new StringBuilder("WITH " + t + " AS (" + touched + "), " + t + "_k AS (SELECT DISTINCT ON"
                + " (__pgt_h) * FROM " + t + " ORDER BY __pgt_h)");
        List<String> newCounts = new ArrayList<>();
        List<String> oldCounts = new ArrayList<>();
        StringBuilder joins = new StringBuilder();
        for (int i = 0; i < in.size(); i++) {
            DiffResult r = in.get(i);
            String h = ZSet.hash(Sql.columnList("c", r.columns()));
            sql.append(", ").append(t).append("_n").append(i).append(" AS (SELECT ").append(h)
                    .append(" AS __pgt_h, count(*) AS n FROM (").append(r.currentSql()).append(") c WHERE ").append(h)
                    .append(" IN (SELECT __pgt_h FROM ").append(t).append(") GROUP BY 1)");
            sql.append(", ").append(t).append("_d").append(i).append(" AS (SELECT __pgt_h, sum(__pgt_dw) AS dw FROM ")
                    .append(t).append(" WHERE __pgt_i = ").append(i).append(" GROUP BY 1)");
            joins.append(" LEFT JOIN ").append(t).append("_n").append(i).append(" n").append(i).append(" ON n")
                    .append(i).append(".__pgt_h = k.__pgt_h LEFT JOIN ").append(t).append("_d").append(i).append(" d")
                    .append(i).append(" ON d").append(i).append(".__pgt_h = k.__pgt_h");
            newCounts.add("coalesce(n" + i + ".n, 0)");
            oldCounts.add("(coalesce(n" + i + ".n, 0) - coalesce(d" + i + ".dw, 0))");
        }
        String w = "(" + f.apply(newCounts) + ") - (" + f.apply(oldCounts) + ")";
        sql.append(" SELECT ").append(Sql.columns("k", names)).append(", ")
                .append(keyed ? "k.__pgt_h" : "NULL::bigint").append(" AS ").append(DiffResult.ROW_ID).append(", ")
                .append(w).append(" AS ").append(DiffResult.WEIGHT).append(" FROM ").append(t).append("_k k")
                .append(joins).append(" WHERE ").append(w).append(" <> 0");
        return sql.toString();
    }

    /** 1 when {@code n} is positive, else 0. */
    static String positive(String n) {
        return "CASE WHEN " + n + " > 0 THEN 1 ELSE 0 END";
    }

    /** The inputs' current states combined by a set operation, with the row identity. */
    static String current(List<DiffResult> in, String setOp, boolean keyed) {
        List<String> names = in.get(0).columns();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < in.size(); i++) {
            DiffResult r = in.get(i);
            b.append(i == 0 ? "" : " " + setOp + " ").append(in.size() == 1 ? "(SELECT DISTINCT " : "(SELECT ")
                    .append(ZSet.renamed("c", r.columns(), names)).append(" FROM (").append(r.currentSql())
                    .append(") c)");
        }
        String rid = keyed ? ZSet.hash(Sql.columnList("s", names)) : "NULL::bigint";
        return "SELECT " + Sql.columns("s", names) + ", " + rid + " AS " + DiffResult.ROW_ID + " FROM (" + b + ") s";
    }
}

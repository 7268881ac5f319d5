package io.pgtrickle.dvm;

import java.util.ArrayList;
import java.util.List;

/**
 * Delta SQL shared by the join operators. Inputs' columns have distinct names, so a join
 * condition (rewritten user text) refers to them unqualified, inside or outside correlated
 * subqueries. Inner join: Δ(L⋈R) = ΔL⋈R_old + L_new⋈ΔR. Semi/anti join (and the NULL-padded
 * part of outer joins): Δ = [L_new ⋉ R_new − L_new ⋉ R_old] over the L rows matching some ΔR row,
 * plus ΔL ⋉ R_old.
 */
public final class JoinSql {

    private static final String RID = DiffResult.ROW_ID;
    private static final String W = DiffResult.WEIGHT;

    private JoinSql() {
    }

    public static List<String> columns(DiffResult l, DiffResult r) {
        List<String> cols = new ArrayList<>(l.columns());
        cols.addAll(r.columns());
        return cols;
    }

    /** Row id of a joined pair; either side may be null (a NULL-padded row). */
    public static String pairId(boolean keyed, String left, String right) {
        if (!keyed) {
            return "NULL::bigint";
        }
        String l = left == null ? "'~'" : "coalesce(" + left + "::text, '~')";
        String r = right == null ? "'~'" : "coalesce(" + right + "::text, '~')";
        return "pg_catalog.hashtextextended(" + l + " || ',' || " + r + ", 7)";
    }

    private static String pairSelect(DiffResult l, DiffResult r, boolean keyed) {
        return "SELECT " + Sql.columns("l", l.columns()) + ", " + Sql.columns("r", r.columns()) + ", "
                + pairId(keyed, "l." + RID, "r." + RID) + " AS " + RID;
    }

    public static String innerCurrent(DiffResult l, DiffResult r, String cond, boolean keyed) {
        return pairSelect(l, r, keyed) + " FROM (" + l.currentSql() + ") l JOIN (" + r.currentSql() + ") r ON ("
                + cond + ")";
    }

    public static String innerDelta(DiffResult l, DiffResult r, String cond, boolean keyed) {
        return pairSelect(l, r, keyed) + ", l." + W + " * r." + W + " AS " + W + " FROM (" + l.deltaSql()
                + ") l JOIN (" + ZSet.old(r) + ") r ON (" + cond + ")"
                + " UNION ALL " + pairSelect(l, r, keyed) + ", r." + W + " AS " + W + " FROM (" + l.currentSql()
                + ") l JOIN (" + r.deltaSql() + ") r ON (" + cond + ")";
    }

    /** Whether row {@code p} has a match in the current state of {@code o}. */
    private static String matchesNew(DiffResult o, String cond) {
        return "EXISTS (SELECT 1 FROM (" + o.currentSql() + ") r WHERE (" + cond + "))";
    }

    /** Whether row {@code p} had a match in the old state of {@code o}. */
    private static String matchedOld(DiffResult o, String cond) {
        return "((SELECT coalesce(sum(r." + W + "), 0) FROM (" + ZSet.old(o) + ") r WHERE (" + cond + ")) > 0)";
    }

    /**
     * The change of {@code p ⋉ o} (semi) or {@code p ▷ o} (anti): rows of p, selected as
     * {@code select} (an expression list over p's columns, with {@code p.} as the row alias),
     * then the row id expression and the weight.
     */
    public static String existenceDelta(DiffResult p, DiffResult o, String cond, boolean semi, String select,
                                        String rowId) {
        String oldM = matchedOld(o, cond);
        String newM = matchesNew(o, cond);
        String was = semi ? oldM : "NOT " + oldM;
        String is = semi ? newM : "NOT " + newM;
        return "SELECT " + select + ", " + rowId + " AS " + RID + ", p." + W + " AS " + W + " FROM (" + p.deltaSql()
                + ") p WHERE " + was
                + " UNION ALL SELECT " + select + ", " + rowId + " AS " + RID + ", (CASE WHEN " + is
                + " THEN 1 ELSE 0 END) - (CASE WHEN " + was + " THEN 1 ELSE 0 END) AS " + W + " FROM ("
                + p.currentSql() + ") p WHERE EXISTS (SELECT 1 FROM (" + o.deltaSql() + ") r WHERE (" + cond + "))"
                + " AND (" + is + ") IS DISTINCT FROM (" + was + ")";
    }

    /** p's columns followed (or preceded) by NULLs standing for o's columns. */
    public static String padded(DiffResult p, DiffResult o, boolean pFirst) {
        List<String> parts = new ArrayList<>();
        for (String c : o.columns()) {
            parts.add("NULL AS " + Sql.q(c));
        }
        String nulls = String.join(", ", parts);
        String own = Sql.columns("p", p.columns());
        if (nulls.isEmpty()) {
            return own;
        }
        return pFirst ? own + ", " + nulls : nulls + ", " + own;
    }
}

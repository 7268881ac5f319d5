package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.JoinSql;
import io.pgtrickle.dvm.Sql;
import java.util.List;

/**
 * The results of the join operators, built from their two inputs' results with the delta rules
 * of {@link JoinSql}. The operators differ only in which rule and join kind they pick.
 */
final class Joins {

    /** The outer joins: which sides keep their unmatched rows, NULL-padded. The name is the SQL keyword. */
    enum Outer {
        LEFT(true, false), RIGHT(false, true), FULL(true, true);

        private final boolean padsLeft;
        private final boolean padsRight;

        Outer(boolean padsLeft, boolean padsRight) {
            this.padsLeft = padsLeft;
            this.padsRight = padsRight;
        }
    }

    private Joins() {
    }

    /** {@code L JOIN R ON cond}: Δ = ΔL⋈R_old + L_new⋈ΔR; keyed when both inputs are. */
    static DiffResult inner(List<DiffResult> in, String cond) {
        DiffResult l = in.get(0);
        DiffResult r = in.get(1);
        boolean keyed = l.keyed() && r.keyed();
        return new DiffResult(JoinSql.innerCurrent(l, r, cond, keyed), JoinSql.innerDelta(l, r, cond, keyed),
                JoinSql.columns(l, r), keyed);
    }

    /** (L⋈R) plus the NULL-padded unmatched rows of each kept side; columns stay in L, R order. */
    static DiffResult outer(List<DiffResult> in, String cond, Outer kind) {
        DiffResult l = in.get(0);
        DiffResult r = in.get(1);
        boolean keyed = l.keyed() && r.keyed();
        StringBuilder delta = new StringBuilder(JoinSql.innerDelta(l, r, cond, keyed));
        if (kind.padsLeft) {
            delta.append(" UNION ALL ").append(paddedDelta(l, r, cond, keyed, true));
        }
        if (kind.padsRight) {
            delta.append(" UNION ALL ").append(paddedDelta(r, l, cond, keyed, false));
        }
        return new DiffResult(outerCurrent(l, r, cond, keyed, kind), delta.toString(), JoinSql.columns(l, r), keyed);
    }

    /** L ⋉ R: the rows of L with a match in R. */
    static DiffResult semi(List<DiffResult> in, String cond) {
        return existence(in, cond, true);
    }

    /** L ▷ R: the rows of L without a match in R. */
    static DiffResult anti(List<DiffResult> in, String cond) {
        return existence(in, cond, false);
    }

    private static DiffResult existence(List<DiffResult> in, String cond, boolean semi) {
        DiffResult l = in.get(0);
        DiffResult r = in.get(1);
        String select = Sql.columns("p", l.columns());
        String rowId = "p." + DiffResult.ROW_ID;
        String current = "SELECT " + select + ", " + rowId + " FROM (" + l.currentSql() + ") p WHERE "
                + (semi ? "" : "NOT ") + "EXISTS (SELECT 1 FROM (" + r.currentSql() + ") r WHERE (" + cond + "))";
        String delta = JoinSql.existenceDelta(l, r, cond, semi, select, rowId);
        return new DiffResult(current, delta, l.columns(), l.keyed());
    }

    private static String outerCurrent(DiffResult l, DiffResult r, String cond, boolean keyed, Outer kind) {
        return "SELECT " + Sql.columns("l", l.columns()) + ", " + Sql.columns("r", r.columns()) + ", "
                + JoinSql.pairId(keyed, "l." + DiffResult.ROW_ID, "r." + DiffResult.ROW_ID) + " AS "
                + DiffResult.ROW_ID + " FROM (" + l.currentSql() + ") l " + kind.name() + " JOIN (" + r.currentSql()
                + ") r ON (" + cond + ")";
    }

    /** The change of the rows of {@code p} without a match in {@code o}, padded with NULLs. */
    private static String paddedDelta(DiffResult p, DiffResult o, String cond, boolean keyed, boolean pIsLeft) {
        String pid = "p." + DiffResult.ROW_ID;
        String rowId = pIsLeft ? JoinSql.pairId(keyed, pid, null) : JoinSql.pairId(keyed, null, pid);
        return JoinSql.existenceDelta(p, o, cond, false, JoinSql.padded(p, o, pIsLeft), rowId);
    }
}

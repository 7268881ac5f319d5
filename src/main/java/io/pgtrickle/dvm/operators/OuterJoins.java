package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.JoinSql;
import io.pgtrickle.dvm.Sql;

/** SQL shared by the outer-join operators. */
final class OuterJoins {

    private OuterJoins() {
    }

    static String current(DiffResult l, DiffResult r, String cond, boolean keyed, String kind) {
        return "SELECT " + Sql.columns("l", l.columns()) + ", " + Sql.columns("r", r.columns()) + ", "
                + JoinSql.pairId(keyed, "l." + DiffResult.ROW_ID, "r." + DiffResult.ROW_ID) + " AS "
                + DiffResult.ROW_ID + " FROM (" + l.currentSql() + ") l " + kind + " JOIN (" + r.currentSql()
                + ") r ON (" + cond + ")";
    }

    /** The change of the rows of {@code p} without a match in {@code o}, padded with NULLs. */
    static String paddedDelta(DiffResult p, DiffResult o, String cond, boolean keyed, boolean pIsLeft) {
        String pid = "p." + DiffResult.ROW_ID;
        String rowId = pIsLeft ? JoinSql.pairId(keyed, pid, null) : JoinSql.pairId(keyed, null, pid);
        return JoinSql.existenceDelta(p, o, cond, false, JoinSql.padded(p, o, pIsLeft), rowId);
    }
}

package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.Sql;
import io.pgtrickle.dvm.ZSet;
import java.util.List;

/**
 * An EXISTS, {@code x op ANY (subquery)} or {@code x op ALL (subquery)} used inside an expression
 * (under OR or NOT, in CASE, in the SELECT list): every row of L gets one more column, the
 * predicate's three-valued result over the rows of R matching it. A row's value changes only when
 * it is in ΔL or matches a row of ΔR: Δ = ΔL with its old value, plus, for the rows of L_new
 * matching ΔR whose value changed, −1 with the old value and +1 with the new one.
 */
public final class MarkJoinOperator extends TwoInputOperator {

    /** How the predicate's value follows from the matching rows of R. */
    public enum Kind {
        /** EXISTS: some row matches. */
        EXISTS,
        /** op ANY: true if the test is true for some row, else unknown if it is unknown for some, else false. */
        ANY,
        /** op ALL: false if the test is false for some row, else unknown if it is unknown for some, else true. */
        ALL
    }

    private final String condition;
    private final Kind kind;
    private final String test;
    private final String column;

    /**
     * @param condition which rows of R belong to a row of L (TRUE when uncorrelated)
     * @param test      the ANY / ALL comparison over both (null for EXISTS)
     * @param column    the generated column carrying the value
     */
    public MarkJoinOperator(DeltaOperator left, DeltaOperator right, String condition, Kind kind, String test,
                            String column) {
        super(left, right);
        this.condition = condition;
        this.kind = kind;
        this.test = test;
        this.column = column;
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        DiffResult l = in.get(0);
        DiffResult r = in.get(1);
        String select = Sql.columns("p", l.columns());
        String rid = "p." + DiffResult.ROW_ID;
        String w = DiffResult.WEIGHT;
        String now = value(ZSet.current(r));
        String before = value(ZSet.old(r));
        String current = "SELECT " + select + ", " + now + " AS " + Sql.q(column) + ", " + rid + " FROM ("
                + l.currentSql() + ") p";
        String touched = " FROM (" + l.currentSql() + ") p WHERE EXISTS (SELECT 1 FROM (" + r.deltaSql() + ") r WHERE ("
                + condition + ")) AND (" + now + ") IS DISTINCT FROM (" + before + ")";
        String delta = "SELECT " + select + ", " + before + " AS " + Sql.q(column) + ", " + rid + ", p." + w + " AS " + w
                + " FROM (" + l.deltaSql() + ") p"
                + " UNION ALL SELECT " + select + ", " + before + ", " + rid + ", -1" + touched
                + " UNION ALL SELECT " + select + ", " + now + ", " + rid + ", 1" + touched;
        List<String> columns = new java.util.ArrayList<>(l.columns());
        columns.add(column);
        return new DiffResult(current, delta, columns, l.keyed());
    }

    /** The predicate's value for row p over a weighted state of R (rows counted by their weights). */
    private String value(String weightedState) {
        String w = "r." + DiffResult.WEIGHT;
        String body = switch (kind) {
            case EXISTS -> "coalesce(sum(" + w + "), 0) > 0";
            case ANY -> "CASE WHEN coalesce(sum(" + w + ") FILTER (WHERE (" + test + ")), 0) > 0 THEN true"
                    + " WHEN coalesce(sum(" + w + ") FILTER (WHERE (" + test + ") IS NULL), 0) > 0 THEN NULL"
                    + " ELSE false END";
            case ALL -> "CASE WHEN coalesce(sum(" + w + ") FILTER (WHERE NOT (" + test + ")), 0) > 0 THEN false"
                    + " WHEN coalesce(sum(" + w + ") FILTER (WHERE (" + test + ") IS NULL), 0) > 0 THEN NULL"
                    + " ELSE true END";
        };
        return "(SELECT " + body + " FROM (" + weightedState + ") r WHERE (" + condition + "))";
    }

    @Override
    public String detail() {
        return PlanPrinter.detail("kind", kind.name(), "test", test, "on", condition, "as", column);
    }

    @Override
    public String describe() {
        return "MarkJoin";
    }
}

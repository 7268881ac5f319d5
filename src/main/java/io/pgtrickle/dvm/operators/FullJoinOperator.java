package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.JoinSql;
import java.util.List;

/** {@code L FULL JOIN R ON cond} = (L⋈R) + NULL-padded (L▷R) + NULL-padded (R▷L). */
public final class FullJoinOperator implements DeltaOperator {

    private final DeltaOperator left;
    private final DeltaOperator right;
    private final String condition;

    public FullJoinOperator(DeltaOperator left, DeltaOperator right, String condition) {
        this.left = left;
        this.right = right;
        this.condition = condition;
    }

    @Override
    public List<DeltaOperator> children() {
        return List.of(left, right);
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        DiffResult l = in.get(0);
        DiffResult r = in.get(1);
        boolean keyed = l.keyed() && r.keyed();
        return new DiffResult(OuterJoins.current(l, r, condition, keyed, "FULL"),
                JoinSql.innerDelta(l, r, condition, keyed)
                        + " UNION ALL " + OuterJoins.paddedDelta(l, r, condition, keyed, true)
                        + " UNION ALL " + OuterJoins.paddedDelta(r, l, condition, keyed, false),
                JoinSql.columns(l, r), keyed);
    }

    @Override
    public String describe() {
        return "FullJoin";
    }
}

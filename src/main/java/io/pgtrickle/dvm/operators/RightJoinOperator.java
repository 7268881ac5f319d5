package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.JoinSql;
import java.util.List;

/** {@code L RIGHT JOIN R ON cond} = (L⋈R) + NULL-padded (R▷L); columns stay in L, R order. */
public final class RightJoinOperator implements DeltaOperator {

    private final DeltaOperator left;
    private final DeltaOperator right;
    private final String condition;

    public RightJoinOperator(DeltaOperator left, DeltaOperator right, String condition) {
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
        return new DiffResult(OuterJoins.current(l, r, condition, keyed, "RIGHT"),
                JoinSql.innerDelta(l, r, condition, keyed) + " UNION ALL "
                        + OuterJoins.paddedDelta(r, l, condition, keyed, false),
                JoinSql.columns(l, r), keyed);
    }

    @Override
    public String describe() {
        return "RightJoin";
    }
}

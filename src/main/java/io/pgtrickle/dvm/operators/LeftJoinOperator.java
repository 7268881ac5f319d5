package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.JoinSql;
import java.util.List;

/**
 * {@code L LEFT JOIN R ON cond} = (L⋈R) + NULL-padded (L▷R). The inner part uses the join rule;
 * the padded part is the anti-join delta, which re-checks only L rows touched by ΔL or matching ΔR.
 */
public final class LeftJoinOperator implements DeltaOperator {

    private final DeltaOperator left;
    private final DeltaOperator right;
    private final String condition;

    public LeftJoinOperator(DeltaOperator left, DeltaOperator right, String condition) {
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
        return new DiffResult(OuterJoins.current(l, r, condition, keyed, "LEFT"),
                JoinSql.innerDelta(l, r, condition, keyed) + " UNION ALL "
                        + OuterJoins.paddedDelta(l, r, condition, keyed, true),
                JoinSql.columns(l, r), keyed);
    }

    @Override
    public String describe() {
        return "LeftJoin";
    }
}

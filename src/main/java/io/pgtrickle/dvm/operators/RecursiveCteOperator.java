package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.PlanBuilder;
import io.pgtrickle.dvm.Sql;
import io.pgtrickle.dvm.ZSet;
import java.util.List;

/**
 * {@code WITH RECURSIVE r AS (base UNION [ALL] step(r))} whose result is the stream table's
 * storage, so the previous result R is the stored rows. Semi-naive when the changes only add
 * rows: the new rows are seeded with the base's delta and the step applied to R with the sources'
 * changes ({@code step(R, S') - step(R, S)}), and the step is iterated over the new rows alone
 * against the current sources (for UNION, rows already in R are neither kept nor expanded again).
 * That is exact because the step is linear in r (PostgreSQL allows one reference; the translator
 * only accepts projections, filters and inner joins on its path) and monotone once no input lost
 * a row. When any input row was deleted (an update deletes too), the CTE is recomputed and
 * compared with R, inside the same statement: deletes would need derivation counts.
 *
 * <p>The step is generated here, once per place it is read from, so it is not among {@link #children()}.
 */
public final class RecursiveCteOperator implements DeltaOperator {

    private final DeltaOperator base;
    private final DeltaOperator step;
    private final RecursiveReferenceOperator self;
    private final List<String> columns;
    private final boolean union;
    private final List<String> stored;

    /**
     * @param columns the CTE's column names
     * @param union   UNION (a set) rather than UNION ALL
     * @param stored  per CTE column, the storage column that holds it
     */
    public RecursiveCteOperator(DeltaOperator base, DeltaOperator step, RecursiveReferenceOperator self,
                                List<String> columns, boolean union, List<String> stored) {
        this.base = base;
        this.step = step;
        this.self = self;
        this.columns = List.copyOf(columns);
        this.union = union;
        this.stored = List.copyOf(stored);
    }

    @Override
    public List<DeltaOperator> children() {
        return List.of(base);
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        DiffResult b = in.get(0);
        String cols = Sql.columns(null, columns);
        String rid = "NULL::bigint AS " + DiffResult.ROW_ID;
        String current = "SELECT " + cols + ", " + rid + " FROM (" + recursion(ctx, "__pgt_rc",
                "SELECT " + Sql.columns("b", b.columns()) + " FROM (" + b.currentSql() + ") b", null) + ") r";

        // the previous result, from the storage, under the CTE's column names
        StringBuilder old = new StringBuilder("SELECT ");
        for (int i = 0; i < columns.size(); i++) {
            old.append(i == 0 ? "" : ", ").append("s.").append(Sql.q(stored.get(i))).append(" AS ").append(Sql.q(columns.get(i)));
        }
        String previousName = ctx.share(old.append(" FROM ").append(DiffContext.STORAGE_CTE).append(" s").toString());
        self.readFrom(previousName);
        DiffResult stepOverPrevious = PlanBuilder.generate(step, ctx);
        String lost = "(EXISTS (SELECT 1 FROM (" + b.deltaSql() + ") d WHERE d." + DiffResult.WEIGHT + " < 0)"
                + " OR EXISTS (SELECT 1 FROM (" + stepOverPrevious.deltaSql() + ") d WHERE d." + DiffResult.WEIGHT + " < 0))";
        String notInPrevious = union ? "NOT EXISTS (SELECT 1 FROM " + previousName + " o WHERE ROW(" + Sql.columns("o", columns)
                + ") IS NOT DISTINCT FROM ROW(" + Sql.columns("x", columns) + "))" : null;
        String seed = added(b) + " UNION ALL " + added(stepOverPrevious);
        if (union) {
            seed = "SELECT " + Sql.columns("x", columns) + " FROM (" + seed + ") x WHERE " + notInPrevious;
        }
        String seminaive = "SELECT " + cols + ", " + rid + ", 1 AS " + DiffResult.WEIGHT + " FROM ("
                + recursion(ctx, "__pgt_rn", seed, notInPrevious) + ") n WHERE NOT " + lost;
        String recomputed = "SELECT " + cols + ", " + rid + ", 1 AS " + DiffResult.WEIGHT + " FROM (" + current
                + ") a WHERE " + lost + " UNION ALL SELECT " + Sql.columns("p", columns) + ", " + rid + ", -1 FROM "
                + previousName + " p WHERE " + lost;
        return new DiffResult(current, seminaive + "\nUNION ALL\n" + recomputed, columns, false);
    }

    /** The rows of {@code r}'s delta with positive weight, each as many times as its weight, under the CTE's names. */
    private String added(DiffResult r) {
        return "SELECT " + ZSet.renamed("d", r.columns(), columns) + " FROM (" + r.deltaSql() + ") d CROSS JOIN LATERAL"
                + " pg_catalog.generate_series(1, d." + DiffResult.WEIGHT + ") WHERE d." + DiffResult.WEIGHT + " > 0";
    }

    /**
     * {@code WITH RECURSIVE name AS (seed UNION [ALL] step(name))}: the step reads the rows found in
     * the previous iteration; with {@code keep}, only its rows satisfying it (over alias x) are kept.
     */
    private String recursion(DiffContext ctx, String name, String seed, String keep) {
        String n = name + ctx.alias().substring("__pgt_s".length());
        self.readFrom(n);
        DiffResult s = PlanBuilder.generate(step, ctx.scratch());
        String term = "SELECT * FROM (SELECT " + ZSet.renamed("t", s.columns(), columns) + " FROM (" + s.currentSql()
                + ") t) x" + (keep == null ? "" : " WHERE " + keep);
        return "WITH RECURSIVE " + n + "(" + Sql.columns(null, columns) + ") AS (" + seed
                + (union ? "\nUNION\n" : "\nUNION ALL\n") + term + ") SELECT * FROM " + n;
    }

    @Override
    public boolean isMonotone() {
        return false;
    }

    @Override
    public String detail() {
        return PlanPrinter.detail("columns", String.join(", ", columns));
    }

    @Override
    public String describe() {
        return "RecursiveCte(" + (union ? "UNION" : "UNION ALL") + ", step: " + describe(step) + ")";
    }

    private static String describe(DeltaOperator op) {
        StringBuilder b = new StringBuilder(op.describe());
        if (!op.children().isEmpty()) {
            b.append(" <- [");
            for (int i = 0; i < op.children().size(); i++) {
                b.append(i == 0 ? "" : ", ").append(describe(op.children().get(i)));
            }
            b.append(']');
        }
        return b.toString();
    }
}

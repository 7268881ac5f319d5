package io.pgtrickle.catalog;

import io.pgtrickle.sql.QualifiedName;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * A stream table as recorded in pgtrickle.pgt_stream_tables. {@code owner} is the role owning its
 * storage table: its refreshes run as that role. {@code cdcMode} is the capture it asks for;
 * {@code walCaptured} whether some source of it is captured from the WAL now; {@code walMark} the
 * WAL insert position when the row was read (before its lock was written), which a REPEATABLE READ
 * refresh's decode must see flushed. {@code leftOutSql}: see {@code MaintenancePlan#leftOutSql}.
 */
public record StreamTable(
        long id,
        long relid,
        QualifiedName name,
        String definingQuery,
        String schedule,
        RefreshMode refreshMode,
        RefreshMode effectiveMode,
        Status status,
        boolean populated,
        boolean needsFullRefresh,
        int consecutiveErrors,
        OffsetDateTime lastRefreshAt,
        Integer mergeWorkMemMb,
        Integer refreshWorkers,
        String preset,
        RowIdentity rowIdentity,
        List<String> outputColumns,
        String fullSql,
        String deltaSql,
        boolean deltaConsolidated,
        String leftOutSql,
        String sessionSettings,
        long owner,
        boolean needsRebuild,
        String rebuildReason,
        CdcMode cdcMode,
        boolean walCaptured,
        String walMark) {

    public boolean isDifferential() {
        return effectiveMode == RefreshMode.DIFFERENTIAL;
    }

    /** The search_path the defining query's names were resolved with at create/alter. */
    public String searchPath() {
        return PinnedSettings.searchPath(sessionSettings);
    }
}

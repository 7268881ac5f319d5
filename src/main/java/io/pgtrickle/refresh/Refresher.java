package io.pgtrickle.refresh;

import io.pgtrickle.catalog.RefreshMode;
import io.pgtrickle.catalog.StreamTable;
import io.pgtrickle.cdc.wal.WalCapture;
import io.pgtrickle.config.DvmSettings;
import io.pgtrickle.dvm.MaintenancePlan;
import io.pgtrickle.observability.LatencyRecorder;
import io.pgtrickle.observability.TraceSpan;
import io.pgtrickle.observability.Tracing;
import io.pgtrickle.sql.Db;
import io.pgtrickle.catalog.PinnedSettings;
import io.pgtrickle.sql.LocalSettings;
import io.pgtrickle.sql.OwnerSession;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one refresh of one stream table inside the caller's transaction: decides FULL or
 * DIFFERENTIAL, applies, advances the frontier, cleans consumed changes and writes history.
 * Uses only catalog templates: no query analysis, so the front end is never loaded here.
 *
 * <p>Whoever calls it, every statement that reads a source or writes the storage runs as the
 * stream table's owner ({@link OwnerSession}); the caller's own statements only read and write
 * pg_trickle's catalog and buffers, which run no code a user can define.
 */
public final class Refresher {

    /** The delta the next differential refresh of {@code st} applies, as a statement of its own (or null: FULL only). */
    public static String pendingDelta(StreamTable st) {
        return RefreshStatements.pendingDelta(st);
    }

    /**
     * A FULL result no larger than this (as the last FULL refresh inserted) is read through
     * {@code pgtrickle._query_rows}, where PostgreSQL may compute it in parallel; a larger one goes
     * straight into the storage, since passing it through a tuple store costs more than it gains.
     */
    private static final long PARALLEL_READ_MAX_ROWS = 100_000;

    /** Staged deltas larger than this are cleared with TRUNCATE rather than DELETE. */
    private static final long TRUNCATE_ABOVE_ROWS = 1_000;

    private final Db db;
    private final DvmSettings settings;
    private final LatencyRecorder latency;

    public Refresher(Db db, DvmSettings settings) {
        this(db, settings, LatencyRecorder.summaryOnly());
    }

    /** With {@code latency} recording commit-to-visible latency (the worker keeps the samples). */
    public Refresher(Db db, DvmSettings settings, LatencyRecorder latency) {
        this.db = db;
        this.settings = settings;
        this.latency = latency;
    }

    /** Refreshes {@code st}, which the caller has locked with {@link io.pgtrickle.catalog.CatalogStore#lock}. */
    public RefreshOutcome refresh(StreamTable st, Initiator initiator) throws SQLException {
        return refresh(st, initiator, null);
    }

    /**
     * As {@link #refresh(StreamTable, Initiator)}, where the caller has already decoded the WAL for
     * {@code st} in this transaction ({@code decoded}; null: decode here). A READ COMMITTED
     * differential refresh decodes with the sources locked against writers until it commits (each of
     * its statements sees the sources anew); a REPEATABLE READ one sees them as of its snapshot.
     */
    public RefreshOutcome refresh(StreamTable st, Initiator initiator, WalCapture.Decoded decoded) throws SQLException {
        WalCapture.Decoded wal = decoded != null ? decoded
                : WalCapture.decode(db, st, st.isDifferential() && st.populated() && !st.needsFullRefresh());
        try (TraceSpan cycle = Tracing.start(Tracing.REFRESH_CYCLE)) {
            cycle.attr("pgtrickle.stream_table", st.name().display()).attr("pgtrickle.initiated_by", initiator.name())
                    .attr("pgtrickle.refresh_mode", st.refreshMode().name());
            try {
                RefreshOutcome outcome = refresh(st, initiator, cycle, wal);
                cycle.attr("pgtrickle.action", outcome.action().name()).attr("pgtrickle.delta_rows", outcome.deltaRows())
                        .attr("pgtrickle.merge_windows", outcome.mergeStatements())
                        .attr("pgtrickle.commit_latency.samples", latency.lastSamplesMs().length);
                return outcome;
            } catch (SQLException | RuntimeException e) {
                cycle.fail(e);
                throw e;
            }
        }
    }

    private RefreshOutcome refresh(StreamTable st, Initiator initiator, TraceSpan cycle, WalCapture.Decoded wal)
            throws SQLException {
        // a refresh lasts from its decode of the WAL on, when it has one
        long started = wal.startedNanos() != 0 ? wal.startedNanos() : System.nanoTime();
        OffsetDateTime start = wal.startedAt() != null ? wal.startedAt() : OffsetDateTime.now();
        // Pinned print settings keep row hashes and expressions the same whoever refreshes.
        Map<String, String> local = new LinkedHashMap<>(PinnedSettings.printSettings(st.sessionSettings()));
        local.put(LocalSettings.INTERNAL_APPLY, "on");
        local.put("work_mem", (st.mergeWorkMemMb() != null ? st.mergeWorkMemMb() : settings.mergeWorkMemMb()) + "MB");
        // Delta statements are costed from guesses (change buffers are never analysed, a recursive
        // CTE is assumed to grow without bound); past jit_above_cost PostgreSQL then spends a second
        // compiling a statement that runs in milliseconds.
        local.put("jit", "off");
        String[] names = local.keySet().toArray(String[]::new);
        RefreshBegin begin = RefreshBegin.run(db, st.id(), local);
        OwnerSession owner = new OwnerSession(db, st.owner(), st.searchPath());
        RefreshStatements sql = TemplateCache.shared(settings.l1CacheMaxEntries()).statements(st);
        CostModel.Estimate estimate = st.refreshMode() == RefreshMode.AUTO ? begin.cost().estimate(begin.pending()) : null;
        String reason = wal.fullReason() != null && st.isDifferential() ? wal.fullReason()
                : fullRefreshReason(st, begin, estimate, owner);
        cycle.attr("pgtrickle.decision", reason == null ? "DIFFERENTIAL" : "FULL: " + reason);
        Applied applied;
        try (TraceSpan delta = Tracing.start(Tracing.DELTA_EXECUTE)) {
            applied = reason != null ? full(st, sql, owner, begin.readByOthers()) : differential(st.id(), sql, owner, begin.pending());
            delta.attr("pgtrickle.merge_windows", applied.merges());
        }
        // Settings restored, commit latency, consumed changes deleted, refreshed mark and history: one round trip.
        try (TraceSpan clean = Tracing.start(Tracing.CLEANUP)) {
            return db.queryOne("SELECT action, inserted, deleted, delta_rows, array_to_string(samples, ',')"
                            + " FROM pgtrickle._refresh_end(?, ?::text[],"
                            + " ?::text[], ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::float8, ?::float8)",
                    rs -> {
                        latency.record(rs.getString(5));
                        return new RefreshOutcome(RefreshAction.valueOf(rs.getString(1)), rs.getLong(2), rs.getLong(3),
                                rs.getLong(4), applied.merges(), System.nanoTime() - started, reason);
                    },
                    st.id(), RefreshBegin.textArray(names), RefreshBegin.textArray(begin.oldSettings()),
                    begin.measureLatency(), begin.prevFrontier(), begin.prevXid(), latency.keepsSamples(), start,
                    applied.fromDelta(), applied.action().name(),
                    applied.inserted(), applied.deleted(), applied.inserted() + applied.deleted(), initiator.name(),
                    begin.pending(), estimate == null ? null : estimate.differentialMs(),
                    estimate == null ? null : estimate.fullMs())
                    .orElseThrow();
        }
    }

    /**
     * What was applied: FULL counts are known here; a differential refresh's counts were recorded by
     * its delta statement ({@code fromDelta}) and are read back by {@code pgtrickle._refresh_end}.
     */
    private record Applied(RefreshAction action, long inserted, long deleted, int merges, boolean fromDelta) {
    }

    private String fullRefreshReason(StreamTable st, RefreshBegin begin, CostModel.Estimate estimate, OwnerSession owner)
            throws SQLException {
        if (!st.isDifferential()) {
            return "refresh mode FULL";
        }
        if (!st.populated()) {
            return "not yet populated";
        }
        if (st.needsFullRefresh()) {
            return "marked for a full refresh (its query, or the capture of a source, changed)";
        }
        if (begin.fullReason() != null) {
            return begin.fullReason();
        }
        if (st.refreshMode() != RefreshMode.AUTO || begin.pending() == 0) {
            return null;
        }
        // Either rule may call for FULL: the costs learnt from this table's history, or the change ratio
        // (the learnt line is straight, and a large delta can cost more than it says).
        if (estimate != null && estimate.fullIsCheaper()) {
            return "estimated differential cost (" + estimate.describe(begin.pending()) + ") exceeds a full refresh's";
        }
        return changeRatioReason(begin, owner);
    }

    /**
     * AUTO by change ratio: when the pending changes exceed pg_trickle.differential_max_change_ratio
     * of the source rows, recomputing is cheaper than applying a delta. Source rows are the
     * planner's estimates; a source never analysed is counted, but only up to the row count that
     * would tip the decision, so the cost stays proportional to the pending changes.
     */
    private String changeRatioReason(RefreshBegin begin, OwnerSession owner) throws SQLException {
        long pending = begin.pending();
        double ratio = settings.differentialMaxChangeRatio();
        long enough = (long) Math.min(Long.MAX_VALUE / 2, Math.ceil(pending / Math.max(ratio, 1e-9))) + 1;
        long rows = begin.sourceRows();
        for (long source : begin.unanalysed()) {
            String table = db.queryOne("SELECT ?::oid::regclass::text", rs -> rs.getString(1), source).orElseThrow();
            rows += Long.parseLong(owner.value("SELECT count(*)::text FROM (SELECT 1 FROM " + table + " LIMIT "
                    + enough + ") x", null));
        }
        if (pending > ratio * Math.max(rows, 1)) {
            return "pending changes (" + pending + ") exceed pg_trickle.differential_max_change_ratio " + ratio
                    + " of the source rows (" + rows + ")";
        }
        return null;
    }

    /**
     * Recomputes into the emptied storage. TRUNCATE takes the lock REFRESH MATERIALIZED VIEW takes
     * (readers wait for the refresh to commit), leaves no dead rows and counts none (rows_deleted is
     * 0); under that lock pg_trickle's own indexes (the row id's, the row hash's) are dropped and
     * built again once the rows are in, which for a million rows costs a third of keeping them up to
     * date row by row, and a small result is computed where it may run in parallel
     * ({@link #loadStatement}). Where another stream table reads this one, every row is DELETEd
     * instead: readers keep the old rows until commit, and the reader receives row changes (the
     * unchanged rows cancel out in its delta) instead of a TRUNCATE that would make it recompute too.
     */
    private Applied full(StreamTable st, RefreshStatements sql, OwnerSession owner, boolean readByOthers)
            throws SQLException {
        long deleted = 0;
        List<OwnIndex> rebuild = List.of();
        // the table of the groups HAVING leaves out, made (or dropped, after an alter) to fit the plan;
        // the load fills it in its own statement
        if (st.leftOutSql() != null || st.needsFullRefresh()) {
            String leftOut = db.queryOne("SELECT pgtrickle._left_out_table(?)", rs -> rs.getString(1), st.id()).orElse(null);
            if (leftOut != null) {
                owner.exec("TRUNCATE " + leftOut);
            }
        }
        if (readByOthers) {
            deleted = owner.exec("DELETE FROM " + st.name().quoted());
        } else {
            owner.exec("TRUNCATE " + st.name().quoted());
            rebuild = ownIndexes(st);
            for (OwnIndex index : rebuild) {
                owner.exec("DROP INDEX " + index.name());
            }
        }
        long inserted;
        try (TraceSpan advance = frontierAdvance("full_insert")) {
            inserted = owner.exec(readByOthers ? sql.fullInsert() : loadStatement(st, sql));
        }
        for (OwnIndex index : rebuild) {
            owner.exec(index.definition());
        }
        RefreshAction action = st.populated() && st.needsFullRefresh() ? RefreshAction.REINITIALIZE : RefreshAction.FULL;
        return new Applied(action, inserted, deleted, 0, false);
    }

    /**
     * The load of a FULL refresh into truncated storage: through {@code pgtrickle._query_rows} when
     * the result is small (the last FULL refresh says how small), else straight.
     */
    private String loadStatement(StreamTable st, RefreshStatements sql) throws SQLException {
        Long last = db.queryOne("SELECT h.rows_inserted FROM pgtrickle.pgt_refresh_history h WHERE h.pgt_id = ?"
                + " AND h.status = 'COMPLETED' AND h.action IN ('FULL', 'REINITIALIZE') ORDER BY h.start_time DESC LIMIT 1",
                rs -> rs.getLong(1), st.id()).orElse(null);
        if (last == null || last > PARALLEL_READ_MAX_ROWS) {
            return sql.fullLoad();
        }
        List<String> columns = RefreshStatements.storageColumns(st);
        List<String> types = db.query("SELECT t FROM pgtrickle._column_types(?::oid, string_to_array(?, chr(1))) t",
                rs -> rs.getString(1), st.relid(), String.join("\u0001", columns));
        String parallel = types.contains(null) ? null : RefreshStatements.fullLoadInParallel(st, columns, types);
        return parallel != null ? parallel : sql.fullLoad();
    }

    /** An index of the storage, by qualified name, and the statement that makes it again. */
    private record OwnIndex(String name, String definition) {
    }

    /**
     * The storage's indexes on pg_trickle's hidden row id or row hash alone (pg_get_indexdef makes
     * them again with the same name and kind). Indexes users made on the stream table's columns are
     * kept, and kept up to date, as they are.
     */
    private List<OwnIndex> ownIndexes(StreamTable st) throws SQLException {
        // (the name schema-qualified: the statements run with the stream table's search_path, not this one's)
        return db.query("SELECT quote_ident(n.nspname) || '.' || quote_ident(x.relname), pg_get_indexdef(i.indexrelid)"
                        + " FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_namespace n ON n.oid = x.relnamespace"
                        + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]"
                        + " WHERE i.indrelid = ?::oid AND i.indnatts = 1 AND i.indexprs IS NULL AND i.indpred IS NULL"
                        + " AND a.attname IN ('" + MaintenancePlan.STORAGE_ROW_ID + "', '" + MaintenancePlan.STORAGE_HASH + "')"
                        + " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
                        + " ORDER BY i.indexrelid",
                rs -> new OwnIndex(rs.getString(1), rs.getString(2)), st.relid());
    }

    /**
     * A delta that the pending changes say is small is computed and MERGEd by one statement, a
     * prepared statement of the session (its text is the same every time, and planning it cost more
     * than running it for a one-row delta). A large
     * one (QW-9) is staged and merged in windows, so no single MERGE holds it all; the windows are
     * read through an index that the staging table keeps from its first large delta on.
     */
    private Applied differential(long id, RefreshStatements sql, OwnerSession owner, long pending) throws SQLException {
        int batch = settings.mergeBatchSize();
        if (pending <= batch) {
            try (TraceSpan advance = frontierAdvance("merge_delta")) {
                owner.execPrepared("__pgt_refresh_" + id, sql.mergeDelta());
            }
            return new Applied(RefreshAction.DIFFERENTIAL, 0, 0, 1, true);
        }
        // the staging table exists, belongs to the owner and fits the storage
        db.queryOne("SELECT pgtrickle._staging_table(?)", rs -> rs.getString(1), id);
        long staged;
        try (TraceSpan advance = frontierAdvance("stage_delta")) {
            staged = owner.exec(sql.stageDelta());
        }
        int merges = 0;
        if (staged > batch) {
            owner.exec("CREATE INDEX IF NOT EXISTS " + sql.applyTable().substring(sql.applyTable().indexOf('.') + 1)
                    + "_seq ON " + sql.applyTable() + " (__pgt_seq)");
            owner.exec("ANALYZE " + sql.applyTable());
        }
        for (long from = 0; from < staged; from += batch) {
            owner.exec(sql.mergeWindow(from, Math.min(from + batch, staged)));
            merges++;
        }
        if (staged > 0) {
            // Emptied for the next refresh. Deleting a few rows writes no catalog row; past that, dead rows
            // would slow the next refresh's reads of the table, and TRUNCATE (one pg_class update) is cheaper.
            owner.exec((staged > TRUNCATE_ABOVE_ROWS ? "TRUNCATE " : "DELETE FROM ") + sql.applyTable());
        }
        return new Applied(RefreshAction.DIFFERENTIAL, 0, 0, merges, true);
    }

    /**
     * The frontier is advanced by the same statement that reads the changes (one snapshot for
     * both), so this span times that whole statement and says so rather than a separate step.
     */
    private static TraceSpan frontierAdvance(String statement) {
        return Tracing.start(Tracing.FRONTIER_ADVANCE).attr("pgtrickle.frontier.statement", statement)
                .attr("pgtrickle.frontier.same_statement_as_delta", true);
    }
}

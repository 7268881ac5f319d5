package io.pgtrickle.refresh;

import io.pgtrickle.catalog.CatalogStore;
import io.pgtrickle.catalog.RefreshMode;
import io.pgtrickle.catalog.StreamTable;
import io.pgtrickle.config.DvmSettings;
import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.observability.LatencyRecorder;
import io.pgtrickle.observability.TraceSpan;
import io.pgtrickle.observability.Tracing;
import io.pgtrickle.sql.Db;
import io.pgtrickle.catalog.PinnedSettings;
import io.pgtrickle.sql.LocalSettings;
import io.pgtrickle.sql.OwnerSession;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;

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

    /** Staged deltas larger than this are cleared with TRUNCATE rather than DELETE. */
    private static final long TRUNCATE_ABOVE_ROWS = 1_000;

    private final Db db;
    private final CatalogStore catalog;
    private final DvmSettings settings;
    private final LatencyRecorder latency;

    public Refresher(Db db, DvmSettings settings) {
        this(db, settings, LatencyRecorder.summaryOnly());
    }

    /** With {@code latency} recording commit-to-visible latency (the worker keeps the samples). */
    public Refresher(Db db, DvmSettings settings, LatencyRecorder latency) {
        this.db = db;
        this.catalog = new CatalogStore(db);
        this.settings = settings;
        this.latency = latency;
    }

    /** Refreshes {@code st}, which the caller has locked with {@link CatalogStore#lock}. */
    public RefreshOutcome refresh(StreamTable st, Initiator initiator) throws SQLException {
        try (TraceSpan cycle = Tracing.start(Tracing.REFRESH_CYCLE)) {
            cycle.attr("pgtrickle.stream_table", st.name().display()).attr("pgtrickle.initiated_by", initiator.name())
                    .attr("pgtrickle.refresh_mode", st.refreshMode().name());
            try {
                RefreshOutcome outcome = refresh(st, initiator, cycle);
                cycle.attr("pgtrickle.action", outcome.action().name()).attr("pgtrickle.delta_rows", outcome.deltaRows())
                        .attr("pgtrickle.commit_latency.samples", latency.lastSamplesMs().length);
                return outcome;
            } catch (SQLException | RuntimeException e) {
                cycle.fail(e);
                throw e;
            }
        }
    }

    private RefreshOutcome refresh(StreamTable st, Initiator initiator, TraceSpan cycle) throws SQLException {
        long started = System.nanoTime();
        OffsetDateTime start = OffsetDateTime.now();
        // Each source is still the relation the SQL was built for, locked, and readable by the owner; the
        // staging table exists, belongs to the owner and fits the storage.
        db.queryOne("SELECT pgtrickle._bind_sources(?), pgtrickle._staging_table(?)", rs -> rs.getInt(1), st.id(), st.id());
        OwnerSession owner = new OwnerSession(db, st.owner(), st.searchPath());
        RefreshStatements sql = TemplateCache.shared(settings.l1CacheMaxEntries()).statements(st);
        List<Long> sources = catalog.capturedSources(st.id());
        String reason = fullRefreshReason(st, sources, owner);
        cycle.attr("pgtrickle.decision", reason == null ? "DIFFERENTIAL" : "FULL: " + reason);
        LatencyRecorder.Mark frontierBefore = latency.before(db, st.id(), !sources.isEmpty());
        // Pinned print settings keep row hashes and expressions the same whoever refreshes.
        LocalSettings local = new LocalSettings(db)
                .withAll(PinnedSettings.printSettings(st.sessionSettings()))
                .with(LocalSettings.INTERNAL_APPLY, "on")
                .with("work_mem", (st.mergeWorkMemMb() != null ? st.mergeWorkMemMb() : settings.mergeWorkMemMb()) + "MB")
                .apply();
        RefreshOutcome outcome;
        try (TraceSpan delta = Tracing.start(Tracing.DELTA_EXECUTE)) {
            outcome = reason != null
                    ? full(st, sql, owner, started, reason)
                    : differential(sql, owner, started);
            delta.attr("pgtrickle.action", outcome.action().name()).attr("pgtrickle.delta_rows", outcome.deltaRows())
                    .attr("pgtrickle.merge_windows", outcome.mergeStatements());
        }
        local.restore();
        latency.after(db, st.id(), frontierBefore); // before cleanup deletes the consumed changes
        try (TraceSpan clean = Tracing.start(Tracing.CLEANUP)) {
            clean.attr("pgtrickle.sources", sources.size());
            cleanup(sources);
        }
        catalog.markRefreshed(st.id());
        catalog.recordHistory(st.id(), start, outcome.action().name(), "COMPLETED", outcome.rowsInserted(),
                outcome.rowsDeleted(), outcome.deltaRows(), initiator.name(), null, null);
        return outcome;
    }

    private String fullRefreshReason(StreamTable st, List<Long> sources, OwnerSession owner) throws SQLException {
        if (!st.isDifferential()) {
            return "refresh mode FULL";
        }
        if (!st.populated()) {
            return "not yet populated";
        }
        if (st.needsFullRefresh()) {
            return "marked for a full refresh (its query, or the capture of a source, changed)";
        }
        long pending = 0;
        for (long source : sources) {
            // One pass over the unconsumed changes answers both questions; where capture cannot see every
            // change (disabled triggers, a subscription writing the source), only recomputing is exact.
            String[] found = {null};
            pending += db.queryOne("SELECT count(*), coalesce(bool_or(s.__pgt_action = 'T'), false),"
                    + " pgtrickle._capture_gap(" + source + "::oid)"
                    + " FROM pgtrickle_changes.changes_" + source + " s, (" + DiffContext.frontierOf("?") + ") "
                    + DiffContext.FRONTIER_CTE + " WHERE NOT " + DiffContext.consumedAtFrontier("s.__pgt_xid", "s.__pgt_change_id"),
                    rs -> {
                        found[0] = rs.getString(3) != null ? rs.getString(3) : rs.getBoolean(2) ? "source truncated" : null;
                        return rs.getLong(1);
                    }, st.id()).orElse(0L);
            if (found[0] != null) {
                return found[0];
            }
        }
        return st.refreshMode() == RefreshMode.AUTO && pending > 0 ? changeRatioReason(pending, sources, owner) : null;
    }

    /**
     * AUTO at run time: when the pending changes exceed pg_trickle.differential_max_change_ratio
     * of the source rows, recomputing is cheaper than applying a delta. Source rows are the
     * planner's estimates; a source never analysed is counted, but only up to the row count that
     * would tip the decision, so the cost stays proportional to the pending changes.
     */
    private String changeRatioReason(long pending, List<Long> sources, OwnerSession owner) throws SQLException {
        double ratio = settings.differentialMaxChangeRatio();
        long enough = (long) Math.min(Long.MAX_VALUE / 2, Math.ceil(pending / Math.max(ratio, 1e-9))) + 1;
        long rows = 0;
        for (long source : sources) {
            long estimate = db.queryOne("SELECT reltuples::bigint FROM pg_catalog.pg_class WHERE oid = ?::oid",
                    rs -> rs.getLong(1), source).orElse(-1L);
            if (estimate < 0) {
                String table = db.queryOne("SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname)"
                        + " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ?::oid",
                        rs -> rs.getString(1), source).orElseThrow();
                estimate = Long.parseLong(owner.value("SELECT count(*)::text FROM (SELECT 1 FROM " + table + " LIMIT "
                        + enough + ") x", null));
            }
            rows += estimate;
        }
        if (pending > ratio * Math.max(rows, 1)) {
            return "pending changes (" + pending + ") exceed pg_trickle.differential_max_change_ratio " + ratio
                    + " of the source rows (" + rows + ")";
        }
        return null;
    }

    private RefreshOutcome full(StreamTable st, RefreshStatements sql, OwnerSession owner, long started, String reason)
            throws SQLException {
        long deleted = owner.exec("DELETE FROM " + st.name().quoted());
        long inserted;
        try (TraceSpan advance = frontierAdvance("full_insert")) {
            inserted = owner.exec(sql.fullInsert());
        }
        RefreshAction action = st.populated() && st.needsFullRefresh() ? RefreshAction.REINITIALIZE : RefreshAction.FULL;
        return new RefreshOutcome(action, inserted, deleted, inserted + deleted, 0, System.nanoTime() - started, reason);
    }

    private RefreshOutcome differential(RefreshStatements sql, OwnerSession owner, long started) throws SQLException {
        long staged;
        try (TraceSpan advance = frontierAdvance("stage_delta")) {
            staged = owner.exec(sql.stageDelta());
        }
        long inserted = 0;
        long deleted = 0;
        int merges = 0;
        if (staged > 0) {
            String[] counts = owner.value("SELECT coalesce(sum(greatest(__pgt_w, 0)), 0)::bigint || ',' ||"
                    + " coalesce(sum(greatest(-__pgt_w, 0)), 0)::bigint FROM " + sql.applyTable(), null).split(",");
            inserted = Long.parseLong(counts[0]);
            deleted = Long.parseLong(counts[1]);
            int batch = settings.mergeBatchSize();
            if (staged > batch) {
                // QW-9: large deltas are merged in windows so no single MERGE holds them all; the windows
                // are read through an index that the staging table keeps from its first large delta on.
                owner.exec("CREATE INDEX IF NOT EXISTS " + sql.applyTable().substring(sql.applyTable().indexOf('.') + 1)
                        + "_seq ON " + sql.applyTable() + " (__pgt_seq)");
                owner.exec("ANALYZE " + sql.applyTable());
            }
            for (long from = 0; from < staged; from += batch) {
                owner.exec(sql.mergeWindow(from, Math.min(from + batch, staged)));
                merges++;
            }
        }
        if (staged > 0) {
            // Emptied for the next refresh. Deleting a few rows writes no catalog row; past that, dead rows
            // would slow the next refresh's reads of the table, and TRUNCATE (one pg_class update) is cheaper.
            owner.exec((staged > TRUNCATE_ABOVE_ROWS ? "TRUNCATE " : "DELETE FROM ") + sql.applyTable());
        }
        RefreshAction action = staged == 0 ? RefreshAction.NO_DATA : RefreshAction.DIFFERENTIAL;
        return new RefreshOutcome(action, inserted, deleted, staged, merges, System.nanoTime() - started, null);
    }

    /**
     * The frontier is advanced by the same statement that reads the changes (one snapshot for
     * both), so this span times that whole statement and says so rather than a separate step.
     */
    private static TraceSpan frontierAdvance(String statement) {
        return Tracing.start(Tracing.FRONTIER_ADVANCE).attr("pgtrickle.frontier.statement", statement)
                .attr("pgtrickle.frontier.same_statement_as_delta", true);
    }

    /** Deletes change rows that every capturing stream table has consumed. */
    private void cleanup(List<Long> sources) throws SQLException {
        for (long source : sources) {
            db.queryOne("SELECT pgtrickle._cleanup_changes(?::oid)", rs -> rs.getLong(1), source);
        }
    }
}

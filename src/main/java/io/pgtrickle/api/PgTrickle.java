package io.pgtrickle.api;

import io.pgtrickle.catalog.CatalogStore;
import io.pgtrickle.catalog.CdcMode;
import io.pgtrickle.cdc.ChangeCapture;
import io.pgtrickle.cdc.wal.WalCapture;
import io.pgtrickle.catalog.RefreshMode;
import io.pgtrickle.catalog.Status;
import io.pgtrickle.catalog.StreamTableBuilder;
import io.pgtrickle.dvm.SourceTable;
import io.pgtrickle.dvm.StreamTableDefinition;
import io.pgtrickle.catalog.StreamTable;
import io.pgtrickle.config.AllSettings;
import io.pgtrickle.config.Preset;
import io.pgtrickle.config.SettingsSource;
import io.pgtrickle.refresh.Initiator;
import io.pgtrickle.refresh.RefreshOutcome;
import io.pgtrickle.refresh.Refresher;
import io.pgtrickle.scheduler.DependencyGraph;
import io.pgtrickle.scheduler.Schedule;
import io.pgtrickle.sql.Db;
import io.pgtrickle.sql.PgTrickleException;
import io.pgtrickle.sql.LocalSettings;
import io.pgtrickle.sql.OwnerSession;
import io.pgtrickle.sql.QualifiedName;
import io.pgtrickle.dvm.QueryChecks;
import io.pgtrickle.dvm.ComplexityClass;
import io.pgtrickle.dvm.operators.DeltaOperator;
import io.pgtrickle.dvm.operators.PlanPrinter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The SQL API of pg_trickle, over one JDBC connection. Both hosts call this class: PL/Java
 * through {@code jdbc:default:connection}, the CLI and worker through pgjdbc. It never commits
 * or rolls back; a failed call throws and the host's transaction takes everything back.
 */
public final class PgTrickle {

    private final Db db;
    private final CatalogStore catalog;

    public PgTrickle(Connection connection) {
        this.db = new Db(connection);
        this.catalog = new CatalogStore(db);
    }

    public Db db() {
        return db;
    }

    public AllSettings settings() throws SQLException {
        return AllSettings.load(SettingsSource.fromDatabase(db));
    }

    public void createStreamTable(String name, String query, String schedule, String refreshMode,
                                  Boolean initialize, String preset) throws SQLException {
        createStreamTable(name, query, schedule, refreshMode, initialize, preset, null);
    }

    /** create_stream_table. Null arguments take the preset's value, then the documented default. */
    public void createStreamTable(String name, String query, String schedule, String refreshMode,
                                  Boolean initialize, String preset, String cdcMode) throws SQLException {
        requireCatalog();
        CdcMode cdc = CdcMode.parse(cdcMode != null ? cdcMode : settings().cdc().mode());
        prepareCapture(cdc);
        Preset p = preset == null ? null : Preset.parse(preset);
        String effectiveSchedule = schedule != null ? schedule : p != null ? p.schedule() : "1m";
        Schedule.parse(effectiveSchedule);
        RefreshMode mode = refreshMode != null ? RefreshMode.parse(refreshMode)
                : p != null ? p.mode() : RefreshMode.AUTO;
        QualifiedName qn = QualifiedName.parse(db, name);
        if (catalog.find(qn).isPresent()) {
            throw new PgTrickleException(PgTrickleException.DUPLICATE_TABLE,
                    "stream table " + qn.display() + " already exists");
        }
        if (db.queryOne("SELECT to_regclass(?) IS NOT NULL", rs -> rs.getBoolean(1), qn.quoted()).orElse(false)) {
            throw new PgTrickleException(PgTrickleException.DUPLICATE_TABLE,
                    "relation " + qn.display() + " already exists");
        }
        StreamTableDefinition def = analyze(query, mode, cdc);
        long id = new StreamTableBuilder(db, settings()).create(qn, def, effectiveSchedule, mode,
                p == null ? null : p.mergeWorkMemMb(), p == null ? null : p.refreshWorkers(),
                p == null ? null : p.sqlName(), cdc);
        requireCapture(id, cdc);
        if (initialize == null || initialize) {
            refresh(id, Initiator.INITIAL);
        }
    }

    public void alterStreamTable(String name, String query, String schedule, String refreshMode, String status,
                                 String preset) throws SQLException {
        alterStreamTable(name, query, schedule, refreshMode, status, preset, null);
    }

    /**
     * alter_stream_table: null means unchanged; a new query or mode rebuilds and repopulates the table
     * at once. A new cdc_mode moves its sources' capture (shared sources: for every reader).
     */
    public void alterStreamTable(String name, String query, String schedule, String refreshMode, String status,
                                 String preset, String cdcMode) throws SQLException {
        CdcMode cdc = cdcMode == null ? null : CdcMode.parse(cdcMode);
        if (cdc != null) {
            prepareCapture(cdc);
        }
        StreamTable st = lockByName(name, "alter");
        if (cdc != null && cdc != st.cdcMode()) {
            db.update("UPDATE pgtrickle.pgt_stream_tables SET cdc_mode = ? WHERE pgt_id = ?", cdc.sqlName(), st.id());
            for (long source : catalog.capturedSources(st.id())) {
                new ChangeCapture(db).sync(source);
            }
            requireCapture(st.id(), cdc);
            WalCapture.dropUnusedSlot(db);
        }
        Preset p = preset == null ? null : Preset.parse(preset);
        String newSchedule = schedule != null ? schedule : p != null ? p.schedule() : st.schedule();
        Schedule.parse(newSchedule);
        RefreshMode newMode = refreshMode != null ? RefreshMode.parse(refreshMode)
                : p != null ? p.mode() : st.refreshMode();
        Status newStatus = status != null ? Status.parseUserSettable(status) : st.status();
        catalog.updateSettings(st.id(), newSchedule, newMode, newStatus,
                p != null ? Integer.valueOf(p.mergeWorkMemMb()) : st.mergeWorkMemMb(),
                p != null ? Integer.valueOf(p.refreshWorkers()) : st.refreshWorkers(),
                p != null ? p.sqlName() : st.preset());
        if (query != null || newMode != st.refreshMode()) {
            String newQuery = query != null ? query : st.definingQuery();
            StreamTableDefinition def = analyze(newQuery, newMode, cdc != null ? cdc : st.cdcMode());
            // Scheduler DAG: refuse a query that would make this table read itself through others.
            DependencyGraph.rejectCycle(db, st.id(), st.name().display(),
                    def.relations().stream().map(SourceTable::oid).toList());
            StreamTableBuilder builder = new StreamTableBuilder(db, settings());
            builder.requireNoDependents(st, "change the query or mode of");
            builder.replace(st, def, false);
            refresh(st.id(), Initiator.MANUAL);
        }
    }

    public void dropStreamTable(String name, Boolean cascade) throws SQLException {
        StreamTable st = lockByName(name, "drop");
        new StreamTableBuilder(db, settings()).drop(st, cascade != null && cascade);
        WalCapture.dropUnusedSlot(db);
    }

    /**
     * WAL capture needs the database's replication slot, which can only be created before the
     * transaction writes: asked for first. Explicit WAL capture where the server cannot decode is
     * refused here, before anything is created.
     */
    private void prepareCapture(CdcMode cdc) throws SQLException {
        if (cdc == CdcMode.TRIGGER) {
            return;
        }
        if (cdc == CdcMode.WAL) {
            String reason = db.queryOne("SELECT CASE WHEN current_setting('wal_level') <> 'logical' OR"
                    + " pg_encoding_to_char((SELECT encoding FROM pg_database WHERE datname = current_database())) <> 'UTF8'"
                    + " THEN pgtrickle._wal_unavailable() END", rs -> rs.getString(1)).orElse(null);
            if (reason != null) {
                throw new PgTrickleException(PgTrickleException.OBJECT_NOT_IN_PREREQUISITE_STATE,
                        "cdc_mode wal is not available: " + reason);
            }
        }
        WalCapture.prepareSlot(db);
    }

    /**
     * How a new stream table under the cdc_mode setting would capture {@code source}: as it is
     * captured now if some stream table reads it, else WAL or TRIGGER by pgtrickle._wal_obstacle.
     */
    private String captureOf(long source) throws SQLException {
        return db.queryOne("SELECT coalesce((SELECT max(d.cdc_mode) FROM pgtrickle.pgt_dependencies d"
                + " WHERE d.source_relid = ?::oid AND d.cdc_mode <> 'NONE'), CASE WHEN pgtrickle._setting('cdc_mode') <> 'trigger'"
                + " AND pgtrickle._wal_obstacle(?::oid) IS NULL THEN 'WAL' ELSE 'TRIGGER' END)", rs -> rs.getString(1),
                source, source).orElse("TRIGGER");
    }

    /** With cdc_mode wal, every captured source must be WAL-captured now; otherwise says why not. */
    private void requireCapture(long id, CdcMode cdc) throws SQLException {
        if (cdc != CdcMode.WAL) {
            return;
        }
        var blocked = db.queryOne("SELECT d.source_relid::regclass::text, coalesce(pgtrickle._wal_obstacle(d.source_relid),"
                + " 'another stream table reading it asks for cdc_mode trigger')"
                + " FROM pgtrickle.pgt_dependencies d WHERE d.pgt_id = ? AND d.cdc_mode = 'TRIGGER' ORDER BY 1 LIMIT 1",
                rs -> rs.getString(1) + " cannot be captured from the WAL: " + rs.getString(2), id);
        if (blocked.isPresent()) {
            throw new PgTrickleException(PgTrickleException.OBJECT_NOT_IN_PREREQUISITE_STATE, blocked.get()
                    + " (a replication slot is created only by a transaction that has not written yet; cdc_mode auto"
                    + " uses triggers until the worker has created it)");
        }
    }

    /** refresh_stream_table: synchronous, recorded as MANUAL. */
    public RefreshOutcome refreshStreamTable(String name) throws SQLException {
        StreamTable st = lockByName(name, "refresh");
        if (st.status() == Status.SUSPENDED) {
            throw new PgTrickleException(PgTrickleException.OBJECT_NOT_IN_PREREQUISITE_STATE,
                    "stream table " + st.name().display() + " is SUSPENDED; resume it with pgtrickle.resume_stream_table()");
        }
        return new Refresher(db, settings().dvm()).refresh(rebuildIfNeeded(st), Initiator.MANUAL);  // st is locked
    }

    public void resumeStreamTable(String name) throws SQLException {
        StreamTable st = lockByName(name, "resume");
        catalog.resume(st.id());
    }

    public List<StreamTable> streamTables() throws SQLException {
        requireCatalog();
        return catalog.all();
    }

    /** Refreshes an already-known stream table by id. */
    public RefreshOutcome refresh(long id, Initiator initiator) throws SQLException {
        StreamTable st = catalog.lock(id, false).orElseThrow(() -> new PgTrickleException(
                PgTrickleException.UNDEFINED_TABLE, "stream table with id " + id + " no longer exists"));
        return new Refresher(db, settings().dvm()).refresh(rebuildIfNeeded(st), initiator);
    }

    /**
     * A stream table whose source changed shape since it was built (DDL: columns, key or name) is
     * analysed again and its storage rebuilt before it refreshes, which then runs FULL. Analysis
     * asks PostgreSQL as the owner, whoever refreshes; it is the one refresh-time path that loads
     * the front end. A source that is now another relation (renamed away, replaced) is refused (42P01).
     * Returns the table as it is to be refreshed; {@code st} must be locked.
     */
    public StreamTable rebuildIfNeeded(StreamTable st) throws SQLException {
        if (!st.needsRebuild()) {
            return st;
        }
        OwnerSession owner = new OwnerSession(db, st.owner(), st.searchPath());
        // The names in the defining query mean what they meant when it was created. (After a failure
        // the transaction rolls back, and the setting with it.)
        LocalSettings path = new LocalSettings(db).with("search_path", st.searchPath()).apply();
        QueryChecks checks = QueryChecks.asOwner(owner);
        List<Long> before = catalog.namedSources(st.id()).stream().sorted().toList();
        List<Long> after = checks.relations(st.definingQuery()).stream().sorted().toList();
        if (!before.equals(after)) {
            throw new PgTrickleException(PgTrickleException.UNDEFINED_TABLE, "stream table " + st.name().display()
                    + " cannot be rebuilt: its defining query now reads other relations than it was built on ("
                    + st.rebuildReason() + "); change it with pgtrickle.alter_stream_table()");
        }
        StreamTableDefinition def = StreamTableDefinition.analyze(db, checks, st.definingQuery(), st.refreshMode(), st.cdcMode());
        path.restore();
        StreamTableBuilder builder = new StreamTableBuilder(db, settings());
        builder.requireNoDependents(st, "rebuild");
        builder.replace(st, def, true);
        return catalog.lock(st.id(), false).orElseThrow();
    }

    /**
     * preview_stream_table: what create_stream_table would do with {@code query} in AUTO mode,
     * without creating anything.
     */
    public List<PreviewRow> previewStreamTable(String query) throws SQLException {
        requireCatalog();
        StreamTableDefinition def = StreamTableDefinition.analyze(db, query, RefreshMode.AUTO);
        boolean differential = def.effectiveMode() == RefreshMode.DIFFERENTIAL;
        List<String> warnings = new ArrayList<>();
        if (def.fullReason() != null) {
            warnings.add(def.fullReason());
        }
        for (SourceTable s : def.relations()) {
            if (differential && s.isCapturable() && !s.hasPrimaryKey() && !s.isStreamTable()) {
                warnings.add(s.name().display() + " has no primary key: its rows are identified by their content");
            }
        }
        DeltaOperator root = def.analysis() == null ? null : def.analysis().root();
        String tree = root != null ? ComplexityClass.render(root) : "Full(query)";
        String plan = differential && root != null ? PlanPrinter.print(root) : null;
        String complexity = ComplexityClass.of(differential ? def.analysis().root() : null).name();
        int deltaBytes = def.plan().deltaSql() == null ? 0 : def.plan().deltaSql().getBytes(StandardCharsets.UTF_8).length;
        int fullBytes = def.plan().fullSql().getBytes(StandardCharsets.UTF_8).length;
        String warningText = warnings.isEmpty() ? null : String.join("; ", warnings);
        List<PreviewRow> rows = new ArrayList<>();
        for (SourceTable s : def.relations()) {
            String type = s.isStreamTable() ? "STREAM_TABLE" : s.isCapturable() ? "TABLE" : s.relkind() == 'v' ? "VIEW" : "OTHER";
            rows.add(new PreviewRow(s.name().display(), type, differential && s.isCapturable() ? captureOf(s.oid()) : "NONE",
                    def.effectiveMode().name(), complexity, tree, deltaBytes, fullBytes, warningText, plan));
        }
        if (rows.isEmpty()) {
            rows.add(new PreviewRow(null, null, null, def.effectiveMode().name(), complexity, tree, deltaBytes,
                    fullBytes, warningText, plan));
        }
        return rows;
    }

    private StreamTableDefinition analyze(String query, RefreshMode mode, CdcMode cdc) throws SQLException {
        StreamTableDefinition def = StreamTableDefinition.analyze(db, query, mode, cdc);
        if (def.fallbackWarning() != null) {
            db.warn(def.fallbackWarning());
        }
        return def;
    }

    /** Finds and locks a stream table the caller owns (or acts for): 42501 otherwise. */
    /**
     * explain_refresh: the statement the next differential refresh reads its changes with (runnable
     * on its own; it consumes nothing), then PostgreSQL's plan for it, EXPLAIN ANALYZE when
     * {@code analyze} (which runs the read, changing nothing). Owner only, like refresh; takes no lock.
     */
    public List<String> explainRefresh(String name, boolean analyze) throws SQLException {
        requireCatalog();
        StreamTable st = catalog.get(QualifiedName.parse(db, name));
        requireOwner(st, "explain the refresh of");
        String statement = Refresher.pendingDelta(st);
        List<String> lines = new ArrayList<>();
        if (statement == null) {
            lines.add("-- " + st.name().display() + " is refreshed FULL: the full statement runs, no delta is read");
            lines.add(st.fullSql());
            return lines;
        }
        lines.add("-- the changes the next differential refresh of " + st.name().display() + " applies"
                + " (pending since its frontier; reading them consumes nothing)");
        lines.addAll(statement.lines().toList());
        lines.add("-- PostgreSQL's plan for it");
        lines.addAll(new OwnerSession(db, st.owner(), st.searchPath()).explain(statement, analyze));
        return lines;
    }

    private void requireOwner(StreamTable st, String action) throws SQLException {
        if (!db.queryOne("SELECT pgtrickle._owns(?::oid)", rs -> rs.getBoolean(1), st.relid()).orElse(false)) {
            throw notOwner(st.name(), action);
        }
    }

    private static PgTrickleException notOwner(QualifiedName name, String action) {
        return new PgTrickleException(PgTrickleException.INSUFFICIENT_PRIVILEGE,
                "must be owner of stream table " + name.display() + " to " + action + " it");
    }

    /** One round trip: name parsed, ownership checked, row locked and read; says when pg_trickle is not installed. */
    private StreamTable lockByName(String name, String action) throws SQLException {
        CatalogStore.Named found = catalog.lockNamed(name);
        if (!found.owned()) {
            throw notOwner(found.name(), action);
        }
        return found.locked();
    }

    private void requireCatalog() throws SQLException {
        if (!catalog.isInstalled()) {
            throw CatalogStore.notInstalled();
        }
    }
}

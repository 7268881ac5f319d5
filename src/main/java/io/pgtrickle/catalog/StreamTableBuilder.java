package io.pgtrickle.catalog;

import io.pgtrickle.cdc.ChangeCapture;
import io.pgtrickle.config.AllSettings;
import io.pgtrickle.dvm.MaintenancePlan;
import io.pgtrickle.dvm.SourceTable;
import io.pgtrickle.dvm.Sql;
import io.pgtrickle.dvm.StreamTableDefinition;
import io.pgtrickle.sql.Db;
import io.pgtrickle.sql.PgTrickleException;
import io.pgtrickle.sql.QualifiedName;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates, rebuilds and drops a stream table's storage, catalog rows and change capture. The
 * storage is created by the caller and so owned by it: that role owns the stream table.
 */
public final class StreamTableBuilder {

    private final Db db;
    private final CatalogStore catalog;
    private final ChangeCapture cdc;
    private final AllSettings settings;

    public StreamTableBuilder(Db db, AllSettings settings) {
        this.db = db;
        this.catalog = new CatalogStore(db);
        this.cdc = new ChangeCapture(db);
        this.settings = settings;
    }

    public long create(QualifiedName name, StreamTableDefinition def, String schedule, RefreshMode mode,
                       Integer mergeWorkMemMb, Integer workers, String preset, CdcMode cdc) throws SQLException {
        long relid = createStorage(name, def);
        long id = catalog.insert(relid, name, def.query(), schedule, mode, def.effectiveMode(), mergeWorkMemMb,
                workers, preset, def.plan(), cdc);
        recordSources(id, def);
        return id;
    }

    /**
     * A new query or mode, or a source that changed: new storage is built beside the old one and
     * takes its place, with the old one's owner and grants. With {@code keepSettings} the pinned
     * settings stay those of the creator (a rebuild); otherwise they become the caller's (an alter).
     */
    public void replace(StreamTable st, StreamTableDefinition def, boolean keepSettings) throws SQLException {
        List<Long> oldSources = catalog.capturedSources(st.id());
        QualifiedName staging = new QualifiedName(st.name().schema(), "__pgt_new_" + st.id());
        long relid = createStorage(staging, def);
        db.query("SELECT pgtrickle._adopt_storage(?::oid, ?::oid)", rs -> null, st.relid(), relid);
        db.update("UPDATE pgtrickle.pgt_stream_tables SET pgt_relid = ?::oid, is_populated = false WHERE pgt_id = ?",
                relid, st.id());
        // No catalog row names the old storage now, so the drop guard lets it go.
        db.exec("DROP TABLE " + st.name().quoted());
        db.exec("ALTER TABLE " + staging.quoted() + " RENAME TO " + Sql.q(st.name().name()));
        catalog.replacePlan(st.id(), def.query(), def.effectiveMode(), def.plan(), keepSettings);
        recordSources(st.id(), def);
        for (long oid : oldSources) {
            cdc.sync(oid);
        }
    }

    /** Storage is about to be replaced: stream tables reading it would lose their source. */
    public void requireNoDependents(StreamTable st, String action) throws SQLException {
        List<String> dependents = db.query("SELECT quote_ident(st.pgt_schema) || '.' || quote_ident(st.pgt_name)"
                + " FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st USING (pgt_id)"
                + " WHERE d.source_relid = ?::oid ORDER BY 1", rs -> rs.getString(1), st.relid());
        if (!dependents.isEmpty()) {
            throw new PgTrickleException("2BP01", "cannot " + action + " stream table " + st.name().display()
                    + " because stream table " + dependents.get(0) + " depends on it");
        }
    }

    public void drop(StreamTable st, boolean cascade) throws SQLException {
        if (!cascade) {
            requireNoDependents(st, "drop");
        } else {
            for (StreamTable dependent : dependentsOf(st)) {
                drop(dependent, true);
            }
        }
        List<Long> sources = catalog.capturedSources(st.id());
        catalog.delete(st.id());
        for (long oid : sources) {
            cdc.sync(oid);
        }
        // The catalog row is gone, so the drop guard lets the storage go.
        db.exec("DROP TABLE " + st.name().quoted());
        db.query("SELECT pgtrickle._drop_work_tables(?)", rs -> null, st.id());
        db.query("SELECT pgtrickle._forget_owner(?::oid)", rs -> null, st.owner());
    }

    private List<StreamTable> dependentsOf(StreamTable st) throws SQLException {
        List<Long> ids = db.query("SELECT pgt_id FROM pgtrickle.pgt_dependencies WHERE source_relid = ?::oid",
                rs -> rs.getLong(1), st.relid());
        List<StreamTable> out = new ArrayList<>();
        for (long id : ids) {
            catalog.lock(id, false).ifPresent(out::add);
        }
        return out;
    }

    /** Creates the storage table; returns its oid. */
    private long createStorage(QualifiedName name, StreamTableDefinition def) throws SQLException {
        List<String> cols = new ArrayList<>();
        for (SourceTable.Column c : def.columns()) {
            cols.add(Sql.q(c.name()) + ' ' + c.definition());
        }
        for (SourceTable.Column c : def.plan().hiddenColumns()) {
            cols.add(c.name() + ' ' + c.type());
        }
        // The MERGE key; a FULL-only table is never merged and has none.
        boolean merged = def.plan().rowIdentity() != RowIdentity.NONE;
        if (merged) {
            cols.add(MaintenancePlan.STORAGE_ROW_ID + " bigint NOT NULL");
        }
        boolean multiset = def.plan().rowIdentity() == RowIdentity.MULTISET;
        if (multiset) {
            cols.add(MaintenancePlan.STORAGE_HASH + " bigint NOT NULL");
        }
        db.exec("CREATE TABLE " + name.quoted() + " (" + String.join(", ", cols) + ")");
        if (merged) {
            db.exec("CREATE UNIQUE INDEX ON " + name.quoted() + " (" + MaintenancePlan.STORAGE_ROW_ID + ")");
        }
        if (multiset) {
            db.exec("CREATE INDEX ON " + name.quoted() + " (" + MaintenancePlan.STORAGE_HASH + ")");
        }
        db.exec("CREATE TRIGGER __pgt_reject_dml BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON " + name.quoted()
                + " FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle._reject_direct_dml()");
        return db.queryOne("SELECT ?::regclass::oid::bigint", rs -> rs.getLong(1), name.quoted()).orElseThrow();
    }

    private void recordSources(long id, StreamTableDefinition def) throws SQLException {
        boolean captured = def.effectiveMode() == RefreshMode.DIFFERENTIAL;
        for (SourceTable source : def.relations()) {
            String type = source.isStreamTable() ? "STREAM_TABLE"
                    : source.isCapturable() ? "TABLE" : source.relkind() == 'v' ? "VIEW" : "OTHER";
            boolean capture = captured && source.isCapturable();
            catalog.addDependency(id, source.oid(), type, source.columnNames(), capture, def.isThroughView(source));
            if (capture) {
                cdc.sync(source.oid(), settings.cdc().notifyOnChange());
            }
        }
    }
}

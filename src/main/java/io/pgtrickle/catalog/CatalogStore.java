package io.pgtrickle.catalog;

import io.pgtrickle.dvm.MaintenancePlan;
import io.pgtrickle.sql.Db;
import io.pgtrickle.sql.PgTrickleException;
import io.pgtrickle.sql.QualifiedName;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Reads and writes pgtrickle.pgt_stream_tables, pgt_dependencies and pgt_refresh_history. */
public final class CatalogStore {

    private static final String COLUMNS = "pgt_id, pgt_relid, pgt_schema, pgt_name, defining_query, schedule,"
            + " refresh_mode, effective_refresh_mode, status, is_populated, needs_full_refresh, consecutive_errors,"
            + " last_refresh_at, merge_work_mem_mb, refresh_workers, preset, row_identity,"
            + " array_to_string(output_columns, chr(1)) AS output_columns, full_sql, delta_sql, delta_consolidated,"
            + " left_out_sql, session_settings,"
            + " (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = pgt_relid)::bigint AS owner_oid, needs_rebuild,"
            + " rebuild_reason, cdc_mode, pgtrickle._wal_captured(pgt_id) AS wal_captured,"
            // where the WAL stood when the row was read: FOR UPDATE writes its lock after this is evaluated
            + " CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL ELSE pg_catalog.pg_current_wal_insert_lsn()::text END"
            + " AS wal_mark";

    /** A stream table with WAL-captured sources but no restart position holds the slot again, from where it is. */
    private static final String HOLD_SLOT_AGAIN = "wal_restart_lsn = coalesce(wal_restart_lsn, CASE WHEN"
            + " pgtrickle._wal_captured(pgt_id) THEN pgtrickle._wal_start() END),"
            + " wal_restart_at = coalesce(wal_restart_at, CASE WHEN pgtrickle._wal_captured(pgt_id) THEN now() END)";

    private final Db db;

    public CatalogStore(Db db) {
        this.db = db;
    }

    public boolean isInstalled() throws SQLException {
        return db.queryOne("SELECT to_regclass('pgtrickle.pgt_stream_tables') IS NOT NULL", rs -> rs.getBoolean(1))
                .orElse(false);
    }

    public Optional<StreamTable> find(QualifiedName name) throws SQLException {
        return db.queryOne("SELECT " + COLUMNS + " FROM pgtrickle.pgt_stream_tables WHERE pgt_schema = ? AND pgt_name = ?",
                CatalogStore::map, name.schema(), name.name());
    }

    /**
     * A stream table found by its name as a user wrote it, with whether the current role owns it
     * and, when it does, its row as read under the row lock {@link #lock} takes ({@code locked};
     * null when it is not owned).
     */
    public record Named(QualifiedName name, boolean owned, StreamTable locked) {
    }

    /**
     * Parses {@code text} as PostgreSQL would, finds the stream table it names and, when the current
     * role owns it, row-locks and reads it as {@link #lock} does, in one round trip; 42P01 when there
     * is none (or pg_trickle is not installed), 42602 for a malformed name. A non-owner locks
     * nothing (row-level security hides the row from FOR UPDATE, and its refusal must not wait).
     */
    public Named lockNamed(String text) throws SQLException {
        QualifiedName.requireText(text);
        try {
            return db.queryOne("SELECT " + QualifiedName.PARSED + ", st.pgt_id IS NOT NULL, pgtrickle._owns(st.pgt_relid),"
                            + " l.* FROM " + QualifiedName.PARSED_FROM
                            + " LEFT JOIN pgtrickle.pgt_stream_tables st ON st.pgt_schema = " + QualifiedName.SCHEMA
                            + " AND st.pgt_name = " + QualifiedName.NAME
                            + " LEFT JOIN LATERAL (SELECT " + COLUMNS + " FROM pgtrickle.pgt_stream_tables"
                            + " WHERE pgt_id = st.pgt_id AND pgtrickle._owns(st.pgt_relid) FOR UPDATE) l ON true",
                    rs -> {
                        QualifiedName name = QualifiedName.fromParsed(text, rs, 1);
                        // (a row dropped by a transaction that committed while this one waited for its lock: gone)
                        if (!rs.getBoolean(6) || rs.getBoolean(7) && rs.getObject("pgt_id") == null) {
                            throw new PgTrickleException(PgTrickleException.UNDEFINED_TABLE,
                                    "stream table " + name.display() + " does not exist");
                        }
                        return new Named(name, rs.getBoolean(7), rs.getBoolean(7) ? map(rs) : null);
                    }, text).orElseThrow();
        } catch (PgTrickleException e) {
            throw e;
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState()) || "3F000".equals(e.getSQLState()) || "42883".equals(e.getSQLState())) {
                throw notInstalled();
            }
            throw e;
        }
    }

    /** The error for a database without pg_trickle's catalog. */
    public static PgTrickleException notInstalled() {
        return new PgTrickleException(PgTrickleException.OBJECT_NOT_IN_PREREQUISITE_STATE,
                "pg_trickle is not installed in this database (CREATE EXTENSION pg_trickle, or pg-trickle install)");
    }

    public StreamTable get(QualifiedName name) throws SQLException {
        return find(name).orElseThrow(() -> new PgTrickleException(PgTrickleException.UNDEFINED_TABLE,
                "stream table " + name.display() + " does not exist"));
    }

    /** Loads and row-locks one stream table, so refreshes and alters of it serialize. */
    public Optional<StreamTable> lock(long id, boolean skipLocked) throws SQLException {
        return db.queryOne("SELECT " + COLUMNS + " FROM pgtrickle.pgt_stream_tables WHERE pgt_id = ? FOR UPDATE"
                + (skipLocked ? " SKIP LOCKED" : ""), CatalogStore::map, id);
    }

    public List<StreamTable> all() throws SQLException {
        return db.query("SELECT " + COLUMNS + " FROM pgtrickle.pgt_stream_tables ORDER BY pgt_id", CatalogStore::map);
    }

    public long insert(long relid, QualifiedName name, String query, String schedule, RefreshMode mode,
                       RefreshMode effective, Integer mergeWorkMemMb, Integer workers, String preset,
                       MaintenancePlan plan, CdcMode cdc) throws SQLException {
        return db.queryOne("INSERT INTO pgtrickle.pgt_stream_tables (pgt_relid, pgt_schema, pgt_name, defining_query,"
                        + " schedule, refresh_mode, effective_refresh_mode, merge_work_mem_mb, refresh_workers, preset,"
                        + " row_identity, output_columns, full_sql, delta_sql, delta_consolidated, left_out_sql,"
                        + " session_settings, cdc_mode) VALUES (?::oid, ?, ?, ?, ?, ?, ?, ?::int, ?::int, ?, ?,"
                        + " string_to_array(?, chr(1)), ?, ?, ?::boolean, ?, "
                        + PinnedSettings.CURRENT + ", ?)"
                        + " RETURNING pgt_id",
                rs -> rs.getLong(1), relid, name.schema(), name.name(), query, schedule, mode.name(),
                effective.name(), mergeWorkMemMb, workers, preset, plan.rowIdentity().name(),
                String.join("\u0001", plan.outputColumns()), plan.fullSql(), plan.deltaSql(),
                String.valueOf(plan.deltaConsolidated()), plan.leftOutSql(), cdc.sqlName()).orElseThrow();
    }

    public void addDependency(long id, long sourceOid, String sourceType, List<String> columns, boolean captured,
                              boolean throughView) throws SQLException {
        db.update("INSERT INTO pgtrickle.pgt_dependencies (pgt_id, source_relid, source_type, columns_used, cdc_mode,"
                        + " through_view, source_shape) VALUES (?, ?::oid, ?, string_to_array(?, chr(1)), ?, ?,"
                        + " pgtrickle._source_shape(?::oid)) ON CONFLICT DO NOTHING",
                id, sourceOid, sourceType, columns == null ? null : String.join("\u0001", columns),
                captured ? "TRIGGER" : "NONE", throughView, sourceOid);
    }

    /** Source oids this stream table reads through change capture. */
    public List<Long> capturedSources(long id) throws SQLException {
        return db.query("SELECT source_relid::bigint FROM pgtrickle.pgt_dependencies WHERE pgt_id = ?"
                + " AND cdc_mode <> 'NONE' ORDER BY source_relid", rs -> rs.getLong(1), id);
    }

    /** The relations the defining query names (not those read only through an inlined view). */
    public List<Long> namedSources(long id) throws SQLException {
        return db.query("SELECT source_relid::bigint FROM pgtrickle.pgt_dependencies WHERE pgt_id = ?"
                + " AND NOT through_view ORDER BY source_relid", rs -> rs.getLong(1), id);
    }

    public void delete(long id) throws SQLException {
        db.update("DELETE FROM pgtrickle.pgt_stream_tables WHERE pgt_id = ?", id);
    }

    public void updateSettings(long id, String schedule, RefreshMode mode, Status status, Integer mergeWorkMemMb,
                               Integer workers, String preset) throws SQLException {
        db.update("UPDATE pgtrickle.pgt_stream_tables SET schedule = ?, refresh_mode = ?, status = ?,"
                        + " merge_work_mem_mb = ?::int, refresh_workers = ?::int, preset = ?, updated_at = now(), "
                        + HOLD_SLOT_AGAIN + " WHERE pgt_id = ?",
                schedule, mode.name(), status.name(), mergeWorkMemMb, workers, preset, id);
    }

    /**
     * Replaces the query, its plan and dependencies; the next refresh rebuilds the table. The
     * pinned settings become the caller's unless {@code keepSettings}.
     */
    public void replacePlan(long id, String query, RefreshMode effective, MaintenancePlan plan, boolean keepSettings)
            throws SQLException {
        db.update("UPDATE pgtrickle.pgt_stream_tables SET defining_query = ?, effective_refresh_mode = ?,"
                        + " row_identity = ?, output_columns = string_to_array(?, chr(1)), full_sql = ?, delta_sql = ?,"
                        + " delta_consolidated = ?::boolean, left_out_sql = ?, needs_full_refresh = true, needs_rebuild = false, rebuild_reason = NULL,"
                        + (keepSettings ? "" : " session_settings = " + PinnedSettings.CURRENT + ",")
                        + " updated_at = now() WHERE pgt_id = ?",
                query, effective.name(), plan.rowIdentity().name(), String.join("\u0001", plan.outputColumns()),
                plan.fullSql(), plan.deltaSql(), String.valueOf(plan.deltaConsolidated()), plan.leftOutSql(), id);
        db.update("DELETE FROM pgtrickle.pgt_dependencies WHERE pgt_id = ?", id);
    }

    /**
     * Back to ACTIVE. One that let go of the replication slot while it stood still (pgtrickle._let_go)
     * holds it again from here: its first refresh, in REPEATABLE READ, takes its snapshot before it
     * decodes, and the slot must not pass a commit that snapshot does not see.
     */
    public void resume(long id) throws SQLException {
        db.update("UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE', consecutive_errors = 0, last_error = NULL,"
                + " updated_at = now(), " + HOLD_SLOT_AGAIN + " WHERE pgt_id = ?", id);
    }

    /** Counts a failed refresh; returns the new consecutive error count. */
    public int recordFailure(long id, String message, int maxErrors, boolean permanent) throws SQLException {
        return db.queryOne("UPDATE pgtrickle.pgt_stream_tables SET consecutive_errors = consecutive_errors + 1,"
                        + " last_error = ?, status = CASE WHEN ? THEN 'ERROR'"
                        + " WHEN consecutive_errors + 1 >= ? THEN 'SUSPENDED' ELSE status END"
                        + " WHERE pgt_id = ? RETURNING consecutive_errors",
                rs -> rs.getInt(1), message, permanent, maxErrors, id).orElse(0);
    }

    public void recordHistory(long id, OffsetDateTime start, String action, String status, long inserted,
                              long deleted, long deltaRows, String initiatedBy, String error, String reasonCode)
            throws SQLException {
        db.update("INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, start_time, end_time, action, status,"
                        + " rows_inserted, rows_deleted, delta_rows, initiated_by, error_message, reason_code)"
                        + " VALUES (?, ?, clock_timestamp(), ?, ?, ?, ?, ?, ?, ?, ?)",
                id, start, action, status, inserted, deleted, deltaRows, initiatedBy, error, reasonCode);
    }

    private static StreamTable map(ResultSet rs) throws SQLException {
        String cols = rs.getString("output_columns");
        return new StreamTable(
                rs.getLong("pgt_id"),
                rs.getLong("pgt_relid"),
                new QualifiedName(rs.getString("pgt_schema"), rs.getString("pgt_name")),
                rs.getString("defining_query"),
                rs.getString("schedule"),
                RefreshMode.valueOf(rs.getString("refresh_mode")),
                RefreshMode.valueOf(rs.getString("effective_refresh_mode")),
                Status.valueOf(rs.getString("status")),
                rs.getBoolean("is_populated"),
                rs.getBoolean("needs_full_refresh"),
                rs.getInt("consecutive_errors"),
                rs.getObject("last_refresh_at", OffsetDateTime.class),
                (Integer) rs.getObject("merge_work_mem_mb"),
                (Integer) rs.getObject("refresh_workers"),
                rs.getString("preset"),
                RowIdentity.valueOf(rs.getString("row_identity")),
                cols == null || cols.isEmpty() ? List.of() : Arrays.asList(cols.split("\u0001")),
                rs.getString("full_sql"),
                rs.getString("delta_sql"),
                rs.getBoolean("delta_consolidated"),
                rs.getString("left_out_sql"),
                rs.getString("session_settings"),
                rs.getLong("owner_oid"),
                rs.getBoolean("needs_rebuild"),
                rs.getString("rebuild_reason"),
                CdcMode.parse(rs.getString("cdc_mode")),
                rs.getBoolean("wal_captured"),
                rs.getString("wal_mark"));
    }
}

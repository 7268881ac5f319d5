package io.pgtrickle.cdc;

import io.pgtrickle.dvm.SourceTable;
import io.pgtrickle.dvm.Sql;
import io.pgtrickle.sql.Db;
import java.sql.SQLException;

/**
 * Trigger-based change capture. Each captured source gets one change buffer
 * ({@code pgtrickle_changes.changes_<oid>}) shared by every stream table that reads it, and
 * statement-level AFTER triggers with transition tables that copy changed rows into it in bulk.
 * Every buffered row records its writer's transaction id, which the frontier is compared with.
 */
public final class ChangeCapture {

    public static final String NOTIFY_CHANNEL = "pgtrickle_changes";
    private static final String[] EVENTS = {"INSERT", "UPDATE", "DELETE", "TRUNCATE"};

    private final Db db;

    public ChangeCapture(Db db) {
        this.db = db;
    }

    public boolean isInstalled(SourceTable source) throws SQLException {
        return db.queryOne("SELECT to_regclass(?) IS NOT NULL", rs -> rs.getBoolean(1), source.bufferTable())
                .orElse(false);
    }

    /** Creates the buffer and triggers unless they exist. Takes a lock that waits for in-flight writers. */
    public void install(SourceTable source, boolean notify) throws SQLException {
        if (isInstalled(source)) {
            return;
        }
        StringBuilder cols = new StringBuilder();
        for (SourceTable.Column c : source.columns()) {
            cols.append(", ").append(Sql.q(c.name())).append(' ').append(c.type());
        }
        String buffer = source.bufferTable();
        db.exec("CREATE TABLE " + buffer + " (__pgt_change_id bigserial PRIMARY KEY,"
                + " __pgt_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),"
                + " __pgt_action \"char\" NOT NULL" + cols + ")");
        db.exec("CREATE INDEX ON " + buffer + " (__pgt_xid)");
        db.exec("REVOKE ALL ON " + buffer + " FROM PUBLIC");
        db.exec(captureFunction(source, notify));
        String fn = functionName(source);
        for (String event : EVENTS) {
            String transition = switch (event) {
                case "INSERT" -> " REFERENCING NEW TABLE AS __pgt_new";
                case "UPDATE" -> " REFERENCING OLD TABLE AS __pgt_old NEW TABLE AS __pgt_new";
                case "DELETE" -> " REFERENCING OLD TABLE AS __pgt_old";
                default -> "";
            };
            db.exec("CREATE TRIGGER " + triggerName(event) + " AFTER " + event + " ON " + source.name().quoted()
                    + transition + " FOR EACH STATEMENT EXECUTE FUNCTION " + fn + "()");
        }
    }

    /** Drops triggers, function and buffer when no stream table captures this source any more. */
    public void uninstallIfUnused(long sourceOid) throws SQLException {
        boolean used = db.queryOne("SELECT EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies"
                + " WHERE source_relid = ?::oid AND cdc_mode = 'TRIGGER')", rs -> rs.getBoolean(1), sourceOid)
                .orElse(false);
        if (used) {
            return;
        }
        String table = db.queryOne("SELECT ?::oid::regclass::text", rs -> rs.getString(1), sourceOid).orElse(null);
        boolean sourceExists = db.queryOne("SELECT EXISTS (SELECT 1 FROM pg_class WHERE oid = ?::oid)",
                rs -> rs.getBoolean(1), sourceOid).orElse(false);
        if (sourceExists) {
            for (String event : EVENTS) {
                db.exec("DROP TRIGGER IF EXISTS " + triggerName(event) + " ON " + table);
            }
        }
        db.exec("DROP FUNCTION IF EXISTS pgtrickle_changes.capture_" + sourceOid + "()");
        db.exec("DROP TABLE IF EXISTS pgtrickle_changes.changes_" + sourceOid);
    }

    private static String triggerName(String event) {
        return "__pgt_cdc_" + event.toLowerCase(java.util.Locale.ROOT);
    }

    private static String functionName(SourceTable source) {
        return "pgtrickle_changes.capture_" + source.oid();
    }

    private static String captureFunction(SourceTable source, boolean notify) {
        String list = Sql.columns(null, source.columnNames());
        String fromNew = Sql.columns("n", source.columnNames());
        String fromOld = Sql.columns("o", source.columnNames());
        String buffer = source.bufferTable();
        String insertNew = "INSERT INTO " + buffer + " (__pgt_action, " + list + ") SELECT 'I', " + fromNew
                + " FROM __pgt_new n;";
        String insertOld = "INSERT INTO " + buffer + " (__pgt_action, " + list + ") SELECT 'D', " + fromOld
                + " FROM __pgt_old o;";
        String wake = notify ? "PERFORM pg_notify('" + NOTIFY_CHANNEL + "', '" + source.oid() + "');" : "";
        return "CREATE FUNCTION " + functionName(source) + "() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER"
                + " SET search_path = pg_catalog, pg_temp AS $pgt$\nBEGIN\n"
                + "IF TG_OP = 'INSERT' THEN " + insertNew + "\n"
                + "ELSIF TG_OP = 'UPDATE' THEN " + insertOld + " " + insertNew + "\n"
                + "ELSIF TG_OP = 'DELETE' THEN " + insertOld + "\n"
                + "ELSE INSERT INTO " + buffer + " (__pgt_action) VALUES ('T');\n"
                + "END IF;\n" + wake + "\nRETURN NULL;\nEND\n$pgt$";
    }
}

package io.pgtrickle.sql;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Transaction-local setting changes that are undone when the work is done, so a PL/Java caller's
 * transaction continues with its own settings. After a failure nothing needs undoing: the
 * transaction (or savepoint) rolls back, and set_config(..., true) with it.
 */
public final class LocalSettings {

    /** Set while pg_trickle itself writes to a stream table or drops one (see the guard triggers). */
    public static final String INTERNAL_APPLY = "pg_trickle.internal_apply";

    private final Db db;
    private final Map<String, String> previous = new LinkedHashMap<>();

    public LocalSettings(Db db) {
        this.db = db;
    }

    public LocalSettings set(String name, String value) throws SQLException {
        String before = db.queryOne("SELECT current_setting(?, true), set_config(?, ?, true)",
                rs -> rs.getString(1), name, name, value).orElse(null);
        previous.putIfAbsent(name, before == null ? "" : before);
        return this;
    }

    /** Applies {@code name=value} pairs separated by chr(1), as stored in the catalog. */
    public LocalSettings setAll(String pairs) throws SQLException {
        if (pairs == null || pairs.isEmpty()) {
            return this;
        }
        for (String pair : pairs.split("\u0001")) {
            int eq = pair.indexOf('=');
            set(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return this;
    }

    public void restore() throws SQLException {
        for (Map.Entry<String, String> e : previous.entrySet()) {
            db.query("SELECT set_config(?, ?, true)", rs -> null, e.getKey(), e.getValue());
        }
        previous.clear();
    }

    /** Runs {@code work} with pg_trickle's own writes to stream tables allowed. */
    public static void asInternalApply(Db db, SqlAction work) throws SQLException {
        LocalSettings local = new LocalSettings(db).set(INTERNAL_APPLY, "on");
        work.run();
        local.restore();
    }

    @FunctionalInterface
    public interface SqlAction {
        void run() throws SQLException;
    }
}

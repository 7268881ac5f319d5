package io.pgtrickle.sql;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Transaction-local setting changes that are undone when the work is done, so a PL/Java caller's
 * transaction continues with its own settings. Applying and restoring are one round trip each:
 * a refresh sets several. After a failure nothing needs undoing: the transaction (or savepoint)
 * rolls back, and set_config(..., true) with it.
 */
public final class LocalSettings {

    /**
     * Set while a refresh writes to a stream table. The guard trigger honours it only for the
     * table's owner, as whom the refresh writes (catalog.sql, _reject_direct_dml).
     */
    public static final String INTERNAL_APPLY = "pg_trickle.internal_apply";

    private static final String SEPARATOR = "\u0001";
    /** Reads every old value before setting any (MATERIALIZED), then sets them all. */
    private static final String SET_ALL = "WITH s AS MATERIALIZED (SELECT n, v, coalesce(current_setting(n, true), '') AS old"
            + " FROM unnest(regexp_split_to_array(?, chr(1)), regexp_split_to_array(?, chr(1))) AS u(n, v))"
            + " SELECT n, old, set_config(n, v, true) FROM s";

    private final Db db;
    private final Map<String, String> wanted = new LinkedHashMap<>();
    private final Map<String, String> previous = new LinkedHashMap<>();

    public LocalSettings(Db db) {
        this.db = db;
    }

    public LocalSettings with(String name, String value) {
        wanted.put(name, value);
        return this;
    }

    public LocalSettings withAll(Map<String, String> settings) {
        wanted.putAll(settings);
        return this;
    }

    public LocalSettings apply() throws SQLException {
        for (String[] row : setAll(wanted)) {
            previous.putIfAbsent(row[0], row[1]);
        }
        wanted.clear();
        return this;
    }

    public void restore() throws SQLException {
        setAll(previous);
        previous.clear();
    }

    private List<String[]> setAll(Map<String, String> settings) throws SQLException {
        if (settings.isEmpty()) {
            return List.of();
        }
        return db.query(SET_ALL, rs -> new String[] {rs.getString(1), rs.getString(2)},
                String.join(SEPARATOR, settings.keySet()), String.join(SEPARATOR, settings.values()));
    }

}

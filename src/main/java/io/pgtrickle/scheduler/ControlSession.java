package io.pgtrickle.scheduler;

import io.pgtrickle.cdc.ChangeCapture;
import io.pgtrickle.config.AllSettings;
import io.pgtrickle.config.SettingsSource;
import io.pgtrickle.sql.Db;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import org.postgresql.PGConnection;

/**
 * The worker's control connection: it plans the ticks, LISTENs for the capture triggers' {@code
 * NOTIFY}, and reads the settings. Opened lazily and reopened after {@link #close()}.
 *
 * <p>Not thread-safe, except {@link #settings()}: the worker uses it only while holding its tick
 * lock, so a tick and the wake-up loop never use the connection at the same time.
 */
final class ControlSession {

    private final Worker.ConnectionFactory connections;
    private final SettingsSource overrides;
    private Connection connection;
    private Map<String, String> settingsAtConnect = Map.of();
    private volatile AllSettings settings = AllSettings.defaults();

    ControlSession(Worker.ConnectionFactory connections, SettingsSource overrides) {
        this.connections = connections;
        this.overrides = overrides;
    }

    /** The open connection, autocommit, listening on {@link ChangeCapture#NOTIFY_CHANNEL}. */
    Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            Connection c = connections.open();
            c.setAutoCommit(true);
            try (var st = c.createStatement()) {
                st.execute("LISTEN " + ChangeCapture.NOTIFY_CHANNEL);
            }
            connection = c;
            settingsAtConnect = liveDatabaseSettings(new Db(c));
        }
        return connection;
    }

    /** The connection's notification side, to wait on outside the tick lock. */
    PGConnection listener() throws SQLException {
        return connection().unwrap(PGConnection.class);
    }

    /**
     * Database settings (current_setting on the control session, so postgresql.conf reloads count),
     * overridden by flags and environment. A session only sees ALTER DATABASE/ROLE ... SET values
     * at connect time, so when those change the control connection is reopened to follow them
     * (pg_trickle.enabled = off pauses a running worker).
     */
    AllSettings loadSettings() throws SQLException {
        Map<String, String> live = liveDatabaseSettings(new Db(connection()));
        if (!live.equals(settingsAtConnect)) {
            close();
        }
        AllSettings s = AllSettings.load(SettingsSource.fromDatabase(new Db(connection())).overriddenBy(overrides));
        settings = s;
        return s;
    }

    /** The settings {@link #loadSettings()} last read (defaults before that); safe from any thread. */
    AllSettings settings() {
        return settings;
    }

    /** Closes the connection; the next use opens a new one. */
    void close() {
        Connections.closeQuietly(connection);
        connection = null;
    }

    /**
     * ALTER DATABASE / ALTER ROLE ... SET values for pg_trickle.* as they are in the catalog now.
     */
    private static Map<String, String> liveDatabaseSettings(Db db) throws SQLException {
        Map<String, String> values = new HashMap<>();
        for (String[] kv : db.query("SELECT split_part(cfg, '=', 1), substr(cfg, strpos(cfg, '=') + 1)"
                + " FROM pg_db_role_setting s, unnest(s.setconfig) cfg"
                + " WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))"
                + " AND s.setrole IN (0, (SELECT oid FROM pg_roles WHERE rolname = current_user))"
                + " AND cfg LIKE 'pg\\_trickle.%'"
                + " ORDER BY (s.setdatabase <> 0)::int + 2 * (s.setrole <> 0)::int",
                rs -> new String[] {rs.getString(1), rs.getString(2)})) {
            values.put(kv[0], kv[1]); // later rows are more specific and win, as in PostgreSQL
        }
        return values;
    }
}

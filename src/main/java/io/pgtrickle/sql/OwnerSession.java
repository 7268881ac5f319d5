package io.pgtrickle.sql;

import java.sql.SQLException;

/**
 * Runs statements as a stream table's owner, whoever is connected: through that role's
 * SECURITY DEFINER function ({@code pgtrickle._as_owner}, security.sql), with the search_path the
 * stream table was created with. Everything that reads sources or writes the storage goes here, so
 * a refresh never has more privileges than the owner, and code the owner wrote (functions in the
 * defining query, triggers on the storage) cannot act as the refreshing role.
 */
public final class OwnerSession {

    private final Db db;
    private final long owner;
    private final String searchPath;

    public OwnerSession(Db db, long owner, String searchPath) {
        this.db = db;
        this.owner = owner;
        this.searchPath = searchPath;
    }

    /** Runs a statement; returns its row count. */
    public long exec(String sql) throws SQLException {
        String n = db.queryOne("SELECT pgtrickle._as_owner(?::oid, ?, ?)", rs -> rs.getString(1),
                owner, sql, searchPath).orElse("0");
        return n == null ? 0 : Long.parseLong(n);
    }

    /**
     * Runs a statement as the session's prepared statement {@code name}, planned once per session
     * while {@code sql} stays the same; its row count is not known.
     */
    public void execPrepared(String name, String sql) throws SQLException {
        db.queryOne("SELECT pgtrickle._as_owner(?::oid, ?, ?, NULL, false, ?)", rs -> rs.getString(1),
                owner, sql, searchPath, name);
    }

    /** The first column of the first row of {@code sql} as text (NULL when none); {@code arg} is $1. */
    public String value(String sql, String arg) throws SQLException {
        return db.queryOne("SELECT pgtrickle._as_owner(?::oid, ?, ?, ?, true)", rs -> rs.getString(1),
                owner, sql, searchPath, arg).orElse(null);
    }

    /** PostgreSQL's plan for {@code sql} as the owner, line by line (EXPLAIN ANALYZE runs it). */
    public java.util.List<String> explain(String sql, boolean analyze) throws SQLException {
        String plan = value("SELECT pgtrickle._explain($1, " + analyze + ")", sql);
        return plan == null ? java.util.List.of() : plan.lines().toList();
    }
}
